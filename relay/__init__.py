"""The relay: the public's questions, help requests, hazard reports and ratings."""
