"""How surprising a count is under a brand's usual: the tail of a negative binomial.

Posts about a brand arrive roughly as a Poisson process whose rate itself wanders (news,
weather, a busy Monday), so counts are over-dispersed: their variance is ``mean +
mean**2 / k``. The negative binomial with that mean and shape ``k`` is the usual model;
as ``k`` grows it becomes the Poisson distribution.

:func:`surprise` gives ``-log10 P(X >= count)``: 2 is a one-in-a-hundred window, 6 one in a
million. Unlike a z-score it knows that five angry posts on a brand that usually gets one
an hour are remarkable, while five more on a brand that gets five hundred are noise.
"""

from __future__ import annotations

import math
from typing import Final

#: Shape of the negative binomial: variance = mean + mean**2 / DISPERSION. Ten allows a
#: rate that wanders by about a third (1/sqrt(10)) from one window to the next.
DISPERSION: Final = 10.0
#: The smallest mean used: a brand never seen still has a small chance of a post.
MIN_MEAN: Final = 0.05
#: The largest surprise reported; beyond it a count is simply impossible by chance.
MAX_SURPRISE: Final = 50.0
#: Terms of a tail summed one by one before the rest is bounded (see surprise).
_TERMS: Final = 24


def variance(mean: float, dispersion: float = DISPERSION, clustering: float = 1.0) -> float:
    """The variance of a count with this ``mean`` under the model."""
    mean = max(mean, MIN_MEAN)
    return max(clustering, 1.0) * mean + mean * mean / dispersion


def surprise(
    count: float, mean: float, dispersion: float = DISPERSION, clustering: float = 1.0
) -> float:
    """``-log10 P(X >= count)`` for a negative binomial count of ``mean`` and shape
    ``dispersion``; 0 when the count is not above the mean's neighbourhood.

    ``clustering`` is how many posts arrive together on average (a brand whose complaints
    come in bursts: a stuck train, a queue at one branch): the counts are read as counts of
    bursts, ``count / clustering`` against ``mean / clustering``, so a burst the brand
    often has is not mistaken for a crisis."""
    clustering = max(clustering, 1.0)
    # Counts of bursts need not be whole: the tail is summed from a real k, a smooth
    # extension of the distribution (lgamma takes any positive number).
    k = count / clustering
    mean = max(mean / clustering, MIN_MEAN)
    if k <= 0 or k <= mean:
        return 0.0
    p = dispersion / (dispersion + mean)  # probability of "failure" per trial
    q = 1.0 - p
    # log pmf(k) = lgamma(k + r) - lgamma(r) - lgamma(k + 1) + r log p + k log q
    log_term = (
        math.lgamma(k + dispersion)
        - math.lgamma(dispersion)
        - math.lgamma(k + 1)
        + dispersion * math.log(p)
        + k * math.log(q)
    )
    # Sum the tail relative to its first term: pmf(j + 1) / pmf(j) = (j + r) q / (j + 1),
    # which only falls as j grows. A few terms, then the rest bounded by the geometric
    # series of the last ratio: a little more tail than there is, so a little less surprise,
    # never more.
    total, term, j = 1.0, 1.0, k
    for _ in range(_TERMS):
        ratio = (j + dispersion) * q / (j + 1)
        term *= ratio
        total += term
        j += 1
        if term < 1e-12 * total:
            break
    else:
        total += term * ratio / (1.0 - ratio)
    log10_tail = (log_term + math.log(total)) / math.log(10.0)
    return min(MAX_SURPRISE, max(0.0, -log10_tail))
