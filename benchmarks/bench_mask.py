"""Masking benchmark: recall and false-positive rate per category on tests/data/mask_corpus.tsv.

    python benchmarks/bench_mask.py [--jieba] [--misses]     (or: invoke bench-mask)

A row with secrets counts as recalled when none of its secrets survives
masking: not as written, and for numbers not as the same digits with other
separators.  A row without secrets (a probe of something that looks like
personal data but is not) counts as a false positive when masking changes it.
``--jieba`` also runs the rules with person names (``nr``) from jieba's
part-of-speech tagger added as known names, to measure whether it helps.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from relay.mask import CHINESE_DIGITS, FULLWIDTH_TO_ASCII, PersonalData, mask_text  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "mask_corpus.tsv"
NUMERIC_CATEGORIES = ("phone", "id_card", "bank_card", "plate", "email", "im", "known")


@dataclass(frozen=True)
class Row:
    line: int
    category: str
    secrets: tuple[str, ...]
    text: str
    known: PersonalData


def load_corpus(path: Path = CORPUS) -> list[Row]:
    rows = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        category, secrets, text, *rest = raw.split("\t")
        form = dict(part.split("=", 1) for part in rest[0].split(";")) if rest and rest[0] else {}
        known = PersonalData.from_form(form.get("name"), form.get("phone"), form.get("email"))
        wanted = () if secrets == "-" else tuple(secrets.split("|"))
        rows.append(Row(number, category, wanted, text.replace("\\n", "\n"), known))
    return rows


def _digits(text: str) -> str:
    return "".join(c for c in text.translate(FULLWIDTH_TO_ASCII).translate(CHINESE_DIGITS) if c.isdigit())


def survives(secret: str, masked: str) -> bool:
    """Whether ``secret`` can still be read in ``masked``."""
    if secret.lower() in masked.lower():
        return True
    digits = _digits(secret)
    return len(digits) >= 5 and digits in _digits(masked)


Masker = Callable[[Row], str]


def rules(row: Row) -> str:
    return mask_text(row.text, row.known).text


def rules_and_jieba(row: Row) -> str:
    import jieba.posseg

    names = tuple(w.word for w in jieba.posseg.cut(row.text) if w.flag == "nr" and len(w.word) >= 2)
    known = PersonalData(row.known.names + names, row.known.phones, row.known.emails)
    return mask_text(row.text, known).text


def rules_and_filtered_jieba(row: Row) -> str:
    """jieba's person names, kept only when they look like a full name by our own lists."""
    import jieba.posseg

    from relay.maskwords import COMPOUND_SURNAMES, NOT_GIVEN, NOT_NAMES, PLACE_SUFFIXES, SURNAMES, TITLES

    names = []
    tokens = list(jieba.posseg.cut(row.text))
    for index, token in enumerate(tokens):
        word = token.word
        after = tokens[index + 1].word if index + 1 < len(tokens) else ""
        keep = 2 if word[:2] in COMPOUND_SURNAMES else 1
        if token.flag != "nr" or not 2 <= len(word) <= 3 + keep - 1:
            continue
        if word[:keep] not in SURNAMES | COMPOUND_SURNAMES or any(c in NOT_GIVEN or c == "某" for c in word[keep:]):
            continue
        if word[keep:].startswith(TITLES) or after.startswith(TITLES):
            continue
        if word[:2] in NOT_NAMES or word[-1] in PLACE_SUFFIXES or after[:1] in PLACE_SUFFIXES:
            continue
        names.append(word)
    known = PersonalData(row.known.names + tuple(names), row.known.phones, row.known.emails)
    return mask_text(row.text, known).text


@dataclass
class Score:
    positives: int = 0
    recalled: int = 0
    negatives: int = 0
    false_positives: int = 0

    @property
    def recall(self) -> float:
        return self.recalled / self.positives if self.positives else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.negatives if self.negatives else 0.0


def score(rows: list[Row], masker: Masker = rules) -> tuple[dict[str, Score], list[tuple[Row, str]]]:
    """Per-category scores and the rows that went wrong (a missed secret or a changed probe)."""
    scores: dict[str, Score] = defaultdict(Score)
    wrong = []
    for row in rows:
        masked = masker(row)
        entry = scores[row.category]
        if row.secrets:
            entry.positives += 1
            if any(survives(secret, masked) for secret in row.secrets):
                wrong.append((row, masked))
            else:
                entry.recalled += 1
        else:
            entry.negatives += 1
            if masked != row.text:
                entry.false_positives += 1
                wrong.append((row, masked))
    return dict(scores), wrong


def table(scores: dict[str, Score]) -> str:
    lines = [f"{'category':<10} {'rows':>5} {'recall':>14} {'false positives':>18}"]
    total = Score()
    for category in sorted(scores):
        s = scores[category]
        for name in ("positives", "recalled", "negatives", "false_positives"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        lines.append(_line(category, s))
    lines.append(_line("all", total))
    return "\n".join(lines)


def _line(category: str, s: Score) -> str:
    recall = f"{s.recalled}/{s.positives} {s.recall:6.1%}"
    fp = f"{s.false_positives}/{s.negatives} {s.false_positive_rate:6.1%}"
    return f"{category:<10} {s.positives + s.negatives:>5} {recall:>14} {fp:>18}"


def flag_summary(rows: list[Row], wrong: list[tuple[Row, str]]) -> str:
    """How many misses the approve form's flags point at, and how many clean probes carry a flag."""
    missed = [row for row, _ in wrong if row.secrets]
    flagged_misses = sum(1 for row in missed if mask_text(row.text, row.known).flags)
    probes = [row for row in rows if not row.secrets]
    flagged_probes = sum(1 for row in probes if mask_text(row.text, row.known).flags)
    return (
        f"flags: {flagged_misses} of {len(missed)} missed rows carry a flag for the moderator; "
        f"{flagged_probes} of {len(probes)} probes carry one (a confirmation on text with nothing to hide)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jieba", action="store_true", help="also run rules + jieba person names and compare")
    parser.add_argument("--misses", action="store_true", help="print each missed secret and changed probe")
    args = parser.parse_args(argv)
    rows = load_corpus()
    maskers: list[tuple[str, Masker]] = [("rules", rules)]
    if args.jieba:
        maskers.append(("rules + jieba nr", rules_and_jieba))
        maskers.append(("rules + jieba nr, filtered by our surname and title lists", rules_and_filtered_jieba))
    print(f"{len(rows)} rows from {CORPUS.relative_to(ROOT)}")
    for label, masker in maskers:
        started = time.perf_counter()
        scores, wrong = score(rows, masker)
        elapsed = (time.perf_counter() - started) * 1000 / len(rows)
        print(f"\n{label} ({elapsed:.2f} ms per row)\n{table(scores)}")
        if masker is rules:
            print(flag_summary(rows, wrong))
        if args.misses:
            for row, masked in wrong:
                kind = "missed" if row.secrets else "changed"
                print(f"  line {row.line} {row.category} {kind}: {row.text!r} -> {masked!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
