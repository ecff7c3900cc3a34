"""Turn events into Tuva-shaped medical and pharmacy claim lines.

Dates are day numbers (-1 = null) and string codes use ``""`` for null until the writer.
Inpatient stays are institutional ``111`` claims whose paid amount sits on line 1 (header style);
an ED visit that leads to an admission is a ``0450`` line on the admission's claim. A few lines are
reversals (a negative copy under a new claim id) and a few office claims fall just outside an
enrollment span, as in real data. Paid dates lag the service (medical: weeks, with a long tail of
pended claims; pharmacy: days) and come from a generator of their own, so adding them changed no
other column.

Examples
--------
>>> import numpy as np
>>> from valuecase.synth.claims import expand
>>> claim, line = expand(np.array([2, 1, 3]))
>>> claim.tolist(), line.tolist()
([0, 0, 1, 2, 2, 2], [1, 2, 1, 1, 2, 3])
"""

from __future__ import annotations

import numpy as np

from .events import Events, concat, take
from .population import FACILITY_NPI, Calendar, Population

DRG = np.array(["291", "190", "871", "885", "897", "638", "392", "313", "194", "683"])
DRG_DX = np.array(["I509", "J441", "A419", "F209", "F1020", "E1165", "K2970", "R079", "J189",
                   "N179"])
ED_DX = np.array(["R079", "R1010", "J069", "S0990XA", "M545", "F1020", "R51", "N390", "J45909"])
OFFICE_DX = np.array(["E119", "I10", "F329", "J449", "Z0000", "M545", "F1020", "E785", "F419"])
NDC = np.array([f"{x:011d}" for x in np.random.default_rng(11).integers(10**8, 10**10, 34)])
ANCILLARY = np.array(["0250", "0300", "0320", "0360", "0510", "0636"])
REVERSAL_SHARE = 0.005
OUT_OF_SPAN_SHARE = 0.03  # of office claims whose person has a day just outside a span
# Payment lag (days from claim_end_date to paid_date) of medical claims, by kind of claim:
# professional, hospital outpatient (13x), acute inpatient (111). A lognormal body around
# LAG_MEDIAN plus, with probability LAG_PEND_SHARE, a pended/resubmitted claim that waits
# LAG_PEND_MIN + Exponential(LAG_PEND_MEAN) days more.
LAG_MEDIAN = np.array([16.0, 24.0, 34.0])
LAG_SIGMA = 0.45
LAG_PEND_SHARE = np.array([0.06, 0.09, 0.12])
LAG_PEND_MIN, LAG_PEND_MEAN = 30.0, 45.0
LAG_MAX = 540
REVERSAL_LAG_MIN, REVERSAL_LAG_MEAN = 10.0, 50.0  # reversal paid after the original claim
RX_LAG_P = np.array([0.45, 0.30, 0.12, 0.06])  # pharmacy: paid 0..3 days after dispensing
RX_LAG_TAIL_P = 0.12  # else 4 + Geometric(RX_LAG_TAIL_P) - 1 days, at most RX_LAG_MAX
RX_LAG_MAX = 60


def expand(n_lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Claim index and 1-based line number for claims with ``n_lines`` lines each."""
    claim = np.repeat(np.arange(len(n_lines)), n_lines)
    first = np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    return claim, np.arange(len(claim)) - first + 1


def _base(ev: Events, n_lines: np.ndarray, claim_type: str, start: np.ndarray,
          end: np.ndarray) -> dict[str, np.ndarray]:
    claim, line = expand(n_lines)
    k = len(claim)
    blank = np.full(k, "", dtype=object)
    return {
        "person": ev["person"][claim], "claim": claim, "line": line,
        "claim_type": np.full(k, claim_type, dtype=object), "start": start[claim],
        "end": end[claim], "adm": np.full(k, -1), "dis": np.full(k, -1),
        "bill_type": blank.copy(), "rev": blank.copy(), "pos": blank.copy(),
        "hcpcs": blank.copy(), "drg": blank.copy(), "disp": blank.copy(), "npi": blank.copy(),
        "paid": np.zeros(k), "dx": blank.copy(),
    }


def _split(rng: np.random.Generator, total: np.ndarray, claim: np.ndarray) -> np.ndarray:
    """Split claim totals over lines with random weights."""
    w = rng.gamma(2.0, 1.0, len(claim))
    sums = np.bincount(claim, weights=w, minlength=len(total))
    return total[claim] * w / sums[claim]


def inpatient_lines(rng: np.random.Generator, st: Events) -> list[dict[str, np.ndarray]]:
    """Institutional 111 claims (header-paid) plus the attending's professional claim."""
    n = len(st["person"])
    surgery = rng.random(n) < 0.3
    n_lines = 3 + st["via_ed"] + surgery
    inst = _base(st, n_lines, "institutional", st["adm"], st["dis"])
    c, j = inst["claim"], inst["line"]
    via = st["via_ed"][c]
    anc = np.array(["0250", "0300", "0360"])
    rb = np.where(rng.random(n) < 0.8, "0120", "0100")[c]
    anc_pos = np.clip(j - 2 - via, 0, 2)
    inst["rev"] = np.where(j == 1, rb, np.where(via & (j == 2), "0450", anc[anc_pos])).astype(object)
    inst["adm"], inst["dis"] = st["adm"][c], st["dis"][c]
    inst["bill_type"][:] = "111"
    inst["drg"] = DRG[st["drg"]][c].astype(object)
    inst["disp"] = st["disposition"][c].astype(object)
    inst["npi"] = FACILITY_NPI[st["facility"]][c].astype(object)
    inst["paid"] = np.where(j == 1, st["paid"][c], 0.0)
    inst["dx"] = DRG_DX[st["drg"]][c].astype(object)

    n_prof = 1 + np.minimum(st["los"] - 1, 3)
    prof = _base(st, n_prof, "professional", st["adm"], st["adm"] + n_prof - 1)
    c, j = prof["claim"], prof["line"]
    prof["pos"][:] = "21"
    prof["hcpcs"] = np.where(j == 1, "99223", "99232").astype(object)
    prof["paid"] = np.where(j == 1, 165.0, 78.0) * rng.uniform(0.9, 1.1, len(c))
    prof["dx"] = DRG_DX[st["drg"]][c].astype(object)
    return [inst, prof]


def ed_lines(rng: np.random.Generator, ed: Events) -> list[dict[str, np.ndarray]]:
    """Treat-and-release ED visits: a 131 facility claim with 0450 and a POS 23 claim."""
    n = len(ed["person"])
    dx = ED_DX[rng.integers(0, len(ED_DX), n)]
    inst = _base(ed, 1 + ed["extra_lines"], "institutional", ed["day"], ed["day"])
    c, j = inst["claim"], inst["line"]
    inst["rev"] = np.where(j == 1, "0450", np.where(j == 2, "0300", "0250")).astype(object)
    inst["bill_type"][:] = "131"
    inst["npi"] = FACILITY_NPI[ed["facility"]][c].astype(object)
    inst["paid"] = np.where(j == 1, 0.65, 0.0) * ed["paid"][c] + np.where(
        j > 1, 0.35 * ed["paid"][c] / np.maximum(ed["extra_lines"][c], 1), 0.0)
    inst["paid"] = np.where((j == 1) & (ed["extra_lines"][c] == 0), ed["paid"][c], inst["paid"])
    inst["dx"] = dx[c].astype(object)
    prof = _base(ed, np.ones(n, dtype=np.int64), "professional", ed["day"], ed["day"])
    prof["pos"][:] = "23"
    prof["hcpcs"] = np.array(["99283", "99284", "99285"])[ed["level"]].astype(object)
    prof["paid"] = (95.0 + 55.0 * ed["level"]) * rng.uniform(0.9, 1.1, n)
    prof["dx"] = dx.astype(object)
    return [inst, prof]


def outpatient_lines(rng: np.random.Generator, op: Events) -> list[dict[str, np.ndarray]]:
    """Hospital outpatient 131 claims with ancillary revenue codes."""
    inst = _base(op, op["lines"], "institutional", op["day"], op["day"])
    c = inst["claim"]
    inst["rev"] = ANCILLARY[rng.integers(0, len(ANCILLARY), len(c))].astype(object)
    inst["bill_type"][:] = "131"
    inst["npi"] = FACILITY_NPI[op["facility"]][c].astype(object)
    inst["paid"] = _split(rng, op["paid"], c)
    inst["dx"] = OFFICE_DX[rng.integers(0, len(OFFICE_DX), len(op["person"]))][c].astype(object)
    return [inst]


def office_lines(rng: np.random.Generator, off: Events) -> list[dict[str, np.ndarray]]:
    """Office E&M visits (POS 11), sometimes with a venipuncture line."""
    prof = _base(off, 1 + off["lab"], "professional", off["day"], off["day"])
    c, j = prof["claim"], prof["line"]
    prof["pos"][:] = "11"
    prof["hcpcs"] = np.where(j == 2, "36415", np.where(off["level"][c] == 1, "99214", "99213"))
    prof["hcpcs"] = prof["hcpcs"].astype(object)
    prof["paid"] = np.where(j == 2, 8.5, off["paid"][c])
    prof["dx"] = OFFICE_DX[rng.integers(0, len(OFFICE_DX), len(off["person"]))][c].astype(object)
    return [prof]


def shift_out_of_span(rng: np.random.Generator, off: Events, pop: Population,
                      cal: Calendar) -> Events:
    """Move a few office visits to a day just before or after the person's enrollment."""
    any_e = pop.enrolled.any(axis=1)
    first_m = np.where(any_e, pop.enrolled.argmax(axis=1), 0)
    last_m = np.where(any_e, cal.months - 1 - pop.enrolled[:, ::-1].argmax(axis=1), 0)
    before = cal.month_start[first_m] - rng.integers(1, 11, pop.n)
    after = cal.month_start[last_m + 1] - 1 + rng.integers(1, 11, pop.n)
    alive_after = (pop.death_day < 0)
    target = np.where(before >= cal.first_day, before,
                      np.where((after <= cal.last_day) & alive_after, after, -1))
    p = off["person"]
    move = (target[p] >= 0) & (rng.random(len(p)) < OUT_OF_SPAN_SHARE)
    out = dict(off)
    out["day"] = np.where(move, target[p], off["day"])
    return out


def medical_lines(rng: np.random.Generator, events: dict[str, Events], pop: Population,
                  cal: Calendar) -> dict[str, np.ndarray]:
    """All medical claim lines of one chunk, sorted by person, date, claim and line.

    Returns
    -------
    dict
        Line-level arrays; ``claim`` is a chunk-level claim number in output order and
        ``reversal`` marks negative copies.
    """
    office = shift_out_of_span(rng, events["office"], pop, cal)
    parts = (inpatient_lines(rng, events["stays"]) + ed_lines(rng, events["ed"])
             + outpatient_lines(rng, events["outpatient"]) + office_lines(rng, office))
    offset = 0
    for part in parts:
        n_claims = int(part["claim"].max()) + 1 if len(part["claim"]) else 0
        part["claim"] = part["claim"] + offset
        offset += n_claims
    lines = concat(parts)
    lines["paid"] = np.round(lines["paid"], 2)
    lines["reversal"] = np.zeros(len(lines["paid"]), dtype=bool)
    lines["source"] = lines["claim"].copy()  # claim a reversal reverses (own claim otherwise)
    # Reversals: negative copies of some non-inpatient lines, each its own one-line claim.
    eligible = (lines["bill_type"] != "111") & (lines["paid"] > 0)
    pick = np.flatnonzero(eligible & (rng.random(len(eligible)) < REVERSAL_SHARE / eligible.mean()))
    rev = take(lines, pick)
    rev["paid"] = -rev["paid"]
    rev["claim"] = offset + np.arange(len(pick))
    rev["line"] = np.ones(len(pick), dtype=np.int64)
    rev["reversal"] = np.ones(len(pick), dtype=bool)
    lines = concat([lines, rev])
    factor = rng.uniform(1.0, 1.25, len(lines["paid"]))
    lines["allowed"] = np.round(lines["paid"] * factor, 2)
    order = np.lexsort((lines["line"], lines["claim"], lines["start"], lines["person"]))
    lines = take(lines, order)
    # Renumber claims in output order.
    new = np.r_[True, lines["claim"][1:] != lines["claim"][:-1]] if len(order) else order
    lines["claim"] = np.cumsum(new) - 1
    return lines


def pharmacy_lines(rng: np.random.Generator, rx: Events) -> dict[str, np.ndarray]:
    """One-line pharmacy claims, sorted by person and dispensing date."""
    order = np.lexsort((rx["day"], rx["person"]))
    out = take(rx, order)
    out["paid"] = np.round(out["paid"], 2)
    out["allowed"] = np.round(out["paid"] * rng.uniform(1.0, 1.15, len(order)), 2)
    out["ndc"] = NDC[out["ndc"]]
    return out


def claim_kind(lines: dict[str, np.ndarray]) -> np.ndarray:
    """0 professional, 1 hospital outpatient / ED (13x), 2 acute inpatient (111), per line."""
    inst = lines["claim_type"] == "institutional"
    return np.where(inst, np.where(lines["bill_type"] == "111", 2, 1), 0)


def medical_paid_dates(rng: np.random.Generator, lines: dict[str, np.ndarray]) -> np.ndarray:
    """Paid date (day number) of every medical line; all lines of a claim share it.

    Uses its own generator so that adding paid dates leaves every other column unchanged. The
    lag runs from the claim's ``end`` date; a reversal is paid a while after the claim it reverses.

    Parameters
    ----------
    rng : numpy.random.Generator
        Generator used for payment lags only.
    lines : dict
        Output of :func:`medical_lines` (needs ``claim``, ``source``, ``reversal``, ``end``,
        ``claim_type``, ``bill_type``).

    Returns
    -------
    numpy.ndarray
        Day numbers, one per line.

    Examples
    --------
    >>> lines = {"claim": np.array([0, 0, 1, 2]), "source": np.array([5, 5, 6, 5]),
    ...          "reversal": np.array([False, False, False, True]),
    ...          "end": np.array([100, 100, 100, 100]),
    ...          "claim_type": np.array(["institutional"] * 2 + ["professional"] * 2),
    ...          "bill_type": np.array(["111", "111", "", ""])}
    >>> paid = medical_paid_dates(np.random.default_rng(0), lines)
    >>> bool(paid[0] == paid[1] and paid[3] > paid[0] and (paid > 100).all())
    True
    """
    n_src = int(lines["source"].max()) + 1 if len(lines["source"]) else 0
    orig = ~lines["reversal"]
    # One lag per original claim, drawn in source-claim order.
    end = np.zeros(n_src, dtype=np.int64)
    kind = np.zeros(n_src, dtype=np.int64)
    end[lines["source"][orig]] = lines["end"][orig]
    kind[lines["source"][orig]] = claim_kind(lines)[orig]
    body = rng.lognormal(np.log(LAG_MEDIAN[kind]), LAG_SIGMA)
    pend = rng.random(n_src) < LAG_PEND_SHARE[kind]
    extra = np.where(pend, LAG_PEND_MIN + rng.exponential(LAG_PEND_MEAN, n_src), 0.0)
    lag = np.minimum(np.ceil(body + extra), LAG_MAX).astype(np.int64)
    paid_src = end + lag
    # Reversals: one extra lag per reversal claim, in output order.
    n_claims = int(lines["claim"].max()) + 1 if len(lines["claim"]) else 0
    rev_lag = np.ceil(REVERSAL_LAG_MIN + rng.exponential(REVERSAL_LAG_MEAN, n_claims))
    rev_lag = np.minimum(rev_lag, LAG_MAX).astype(np.int64)
    paid = paid_src[lines["source"]]
    return np.where(lines["reversal"], paid + rev_lag[lines["claim"]], paid)


def pharmacy_paid_dates(rng: np.random.Generator, rx: dict[str, np.ndarray]) -> np.ndarray:
    """Paid date (day number) of every pharmacy claim: mostly 0-3 days after dispensing.

    Examples
    --------
    >>> paid = pharmacy_paid_dates(np.random.default_rng(0), {"day": np.full(1000, 50)})
    >>> lag = paid - 50
    >>> bool(lag.min() >= 0 and (lag <= 3).mean() > 0.85 and lag.max() <= RX_LAG_MAX)
    True
    """
    n = len(rx["day"])
    p = np.r_[RX_LAG_P, 1 - RX_LAG_P.sum()]
    lag = rng.choice(len(p), n, p=p)
    tail = 3 + rng.geometric(RX_LAG_TAIL_P, n)
    lag = np.where(lag == len(RX_LAG_P), np.minimum(tail, RX_LAG_MAX), lag)
    return rx["day"] + lag
