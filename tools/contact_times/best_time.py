"""Best time to contact: hour-of-week response propensity per contact, vectorised with numpy.

The week has 168 hour bins (Monday 00:00 = bin 0) in the book's time zone. For each contact:

- positive evidence: when they answered (inbound messages, answered outreach/calls, held visits);
  negative evidence: outreach they did not answer;
- the own profile mixes the hour-smoothed joint histogram (a reply at 10:40 says something about 10:00
  and 11:00 too) with the product of the contact's weekday and hour marginals (two replies, Tuesday 10
  and Thursday 10, say "Tuesdays and Thursdays, around 10" long before every bin has data);
- the own profile is shrunk toward a prior, the mean of the densities of the contact's segments
  (industry, region, title band), each itself shrunk toward the whole book, so a contact with one reply
  gets their segment's habits and a contact with thirty gets their own;
- unanswered attempts lower a bin's score by the observed answer rate there.

Everything works on whole arrays (bincount, reshape, broadcasting): 100 000 contacts and 1 000 000
interactions refresh in seconds (benchmarks/best_time.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINS = 168
_HOUR_KERNEL = ((1, 0.5), (2, 0.15))  # neighbour hour weights: ±1 h, ±2 h


@dataclass(frozen=True)
class ModelParams:
    prior_strength: float = 3.0  # pseudo-events of the prior in a contact's posterior
    segment_strength: float = 20.0  # pseudo-events of the book in a segment's density
    joint_share: float = 0.5  # own profile = joint_share·joint + (1 - joint_share)·weekday×hour
    failure_pseudo: float = 0.5  # smoothing of the per-bin answer rate


@dataclass
class Evidence:
    """Interactions as parallel arrays (one entry per interaction)."""

    contact: np.ndarray  # int32 index 0..n_contacts-1
    bin: np.ndarray  # int16 hour-of-week bin
    positive: np.ndarray  # float32 weight of the answer (0 for an unanswered attempt)
    negative: np.ndarray  # float32 weight of the non-answer (0 for an answer)


def smooth_hours(m: np.ndarray) -> np.ndarray:
    """Spread each bin to its neighbouring hours (circular over the week), mass-preserving."""
    out = m.copy()
    for shift, weight in _HOUR_KERNEL:
        out += weight * (np.roll(m, shift, axis=-1) + np.roll(m, -shift, axis=-1))
    out /= 1 + 2 * sum(w for _, w in _HOUR_KERNEL)
    return out


def _histograms(n_contacts: int, ev: Evidence) -> tuple[np.ndarray, np.ndarray]:
    flat = ev.contact.astype(np.int64) * BINS + ev.bin.astype(np.int64)
    size = n_contacts * BINS
    pos = np.bincount(flat, weights=ev.positive, minlength=size).astype(np.float32).reshape(n_contacts, BINS)
    neg = np.bincount(flat, weights=ev.negative, minlength=size).astype(np.float32).reshape(n_contacts, BINS)
    return pos, neg


def segment_densities(
    seg_of_contact: np.ndarray, n_segments: int, ev: Evidence, book: np.ndarray, strength: float
) -> np.ndarray:
    """(n_segments, 168) densities (rows sum to 1), each shrunk toward the book's density."""
    seg = seg_of_contact[ev.contact].astype(np.int64)
    counts = np.bincount(seg * BINS + ev.bin, weights=ev.positive, minlength=n_segments * BINS)
    counts = smooth_hours(counts.reshape(n_segments, BINS))
    totals = counts.sum(axis=1, keepdims=True)
    return ((counts + strength * book) / (totals + strength)).astype(np.float32)


@dataclass
class Priors:
    book: np.ndarray  # (168,) density of the whole book
    segments: list[np.ndarray]  # one (n_segments_k, 168) array per segment kind

    def for_contacts(self, seg_ids: list[np.ndarray]) -> np.ndarray:
        prior = np.zeros((len(seg_ids[0]) if seg_ids else 0, BINS), dtype=np.float32)
        if not seg_ids:
            return prior
        for table, ids in zip(self.segments, seg_ids):
            prior += table[ids]
        prior /= len(seg_ids)
        return prior


def fit_priors(
    n_contacts: int, ev: Evidence, seg_ids: list[np.ndarray], n_segs: list[int], params: ModelParams = ModelParams()
) -> Priors:
    book = np.bincount(ev.bin.astype(np.int64), weights=ev.positive, minlength=BINS).astype(np.float64)
    book = smooth_hours(book + 1e-3)
    book /= book.sum()
    segments = [segment_densities(ids, n, ev, book, params.segment_strength) for ids, n in zip(seg_ids, n_segs)]
    return Priors(book.astype(np.float32), segments)


def score(n_contacts: int, ev: Evidence, prior: np.ndarray, params: ModelParams = ModelParams()) -> np.ndarray:
    """(n_contacts, 168) scores: posterior response density × smoothed answer rate."""
    pos, neg = _histograms(n_contacts, ev)
    n = pos.sum(axis=1, keepdims=True)
    joint = smooth_hours(pos)
    week = pos.reshape(n_contacts, 7, 24)
    day = week.sum(axis=2)  # (C, 7)
    hour = joint.reshape(n_contacts, 7, 24).sum(axis=1)  # (C, 24)
    safe_n = np.where(n > 0, n, 1).astype(np.float32)
    own = (day[:, :, None] * hour[:, None, :]).reshape(n_contacts, BINS)
    own /= safe_n
    own *= 1 - params.joint_share
    own += params.joint_share * joint
    del week, day, hour
    k = params.prior_strength
    own += k * prior
    own /= n + k
    # answer rate per bin: bins where they keep not answering lose weight
    neg_s = smooth_hours(neg)
    rate = joint + params.failure_pseudo
    rate /= joint + neg_s + params.failure_pseudo
    own *= rate
    return own


def best_bins(scores: np.ndarray, allowed: np.ndarray, top: int = 1) -> np.ndarray:
    """Indices of the best allowed bins per contact, best first: (n_contacts, top)."""
    masked = np.where(allowed[None, :], scores, -np.inf)
    if top == 1:
        return masked.argmax(axis=1)[:, None]
    part = np.argpartition(-masked, top - 1, axis=1)[:, :top]
    order = np.take_along_axis(masked, part, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(part, order, axis=1)


def work_mask(days: range | list[int] = range(5), start_hour: int = 9, end_hour: int = 18) -> np.ndarray:
    """Allowed bins: the given weekdays (0 = Monday), hours [start_hour, end_hour)."""
    mask = np.zeros(BINS, dtype=bool)
    for d in days:
        mask[d * 24 + start_hour : d * 24 + end_hour] = True
    return mask
