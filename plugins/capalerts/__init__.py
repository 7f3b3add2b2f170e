"""Every active warning as an OASIS CAP 1.2 alert, plus an Atom feed of the alerts."""

from __future__ import annotations

from .alerts import AlertsGenerator, cap_alert, register, severity_of

__all__ = ["AlertsGenerator", "cap_alert", "register", "severity_of"]
