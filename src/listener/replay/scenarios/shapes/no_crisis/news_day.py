"""news-day: a small company's results and an acquisition fill the business news.

Synthetic data for testing, not real posts: Corvanta (a fictional UK software company) and
Pellar Systems (the fictional company it buys) are invented, as is every author and text.
Four to six ordinary days give the baseline of a small brand. Then, one weekday at seven
in the morning, Corvanta publishes its half-year results and a deal to buy Pellar; for a
few hours news sites, investors and people who work in the trade post about it five to
ten times as often as usual, in a neutral tone. Nobody should be paged.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Voices, crowd_post, naming
from listener.replay.scenarios.everyday import ENGLISH_FEEDS, Everyday, Mix, care, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.people import ENGLISH as ENGLISH_PEOPLE
from listener.replay.scenarios.posts import Feed, Scene, forum_post, page_post, rss_item, x_post
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.talk import ENGLISH, Talk
from listener.replay.scenarios.timing import LONDON, ORDINARY_HOURLY, ORDINARY_MEAN, Rate, arrivals

NAME: Final = "news-day"
ACCOUNTS: Final = kit.accounts("corvantaplc", "Corvanta", "corvanta", (18_000, 9_500))
NAMES: Final = ("Corvanta", "Corvanta", "Corvanta", "@corvanta", "#corvanta")
FORUM: Final = "UKInvesting"
#: Business and trade outlets (invented) that carry the story.
_BUSINESS_FEEDS: Final = (
    *ENGLISH_FEEDS,
    Feed("city-markets", "City Markets", "citymarkets.example"),
    Feed("software-weekly", "Software Weekly", "softwareweekly.example"),
    Feed("deal-desk", "The Deal Desk", "dealdesk.example"),
    Feed("northern-business", "Northern Business News", "northernbusiness.example"),
    Feed("investor-daily", "Investor Daily", "investordaily.example"),
)

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@corvanta",
    places=("Leeds", "Manchester", "Sheffield", "York", "Newcastle"),
    questions=(
        "is the payroll module getting the new tax year update?",
        "do you have an office in {city}?",
        "when is the next user group meeting?",
        "does the API support webhooks yet?",
        "are you hiring graduate developers this year?",
        "can I export reports to a spreadsheet?",
        "is there a status page for the cloud service?",
    ),
    complaints=(
        "support ticket open for {n} days now and nobody has replied",
        "the new interface is painfully slow on our old laptops",
        "the export keeps timing out, really annoying",
        "the invoice was wrong again this month",
        "the rota screen crashed twice during handover, awful timing",
        "the latest update broke our shift patterns",
    ),
    praise=(
        "great session at the {city} user group, thanks",
        "support fixed our issue in an hour, excellent",
        "the new dashboard is really useful",
    ),
    mentions=(
        "moving our payroll to {brand} next month",
        "{brand} user group in {city} today",
        "anyone using {brand} for scheduling? thoughts?",
        "{brand} is hiring in {city}, worth a look",
        "interesting talk from {brand} on cloud migration",
        "{brand} down again this morning, our whole rota is stuck",
        "third {brand} login problem this month, frustrating",
    ),
    page_posts=(
        "We're hiring developers in Leeds and Manchester. Come and build with us.",
        "Our autumn user group is open for booking: see you in York!",
        "New in Corvanta: scheduled reports straight to your inbox.",
        "Case study: how a 400-bed hospital cut rota planning time in half with Corvanta.",
    ),
    news=(
        (
            "Corvanta wins hospital trust scheduling contract",
            "The Leeds software firm will supply rota planning to three hospitals.",
        ),
        (
            "Northern tech firms lead regional jobs growth",
            "Corvanta among the companies adding staff in Yorkshire.",
        ),
    ),
)

RELEASE: Final = (
    "Corvanta plc: half-year results and proposed acquisition of Pellar Systems",
    "Revenue of £84.2m for the six months; agreement to acquire Pellar Systems for £410m, "
    "funded by cash and new debt. The board expects the deal to complete in the first quarter.",
)
ANNOUNCEMENT: Final = (
    "Today we published our half-year results and announced that we have agreed to acquire "
    "Pellar Systems. Read the announcement and the results on our investor page."
)
HEADLINES: Final = (
    (
        "Corvanta to buy Pellar Systems for £410m",
        "The deal combines two UK scheduling software firms.",
    ),
    (
        "Corvanta half-year revenue rises to £84.2m",
        "The company reported results alongside the acquisition.",
    ),
    (
        "Corvanta shares move after Pellar deal",
        "The shares traded in a narrow range in the morning.",
    ),
    (
        "What the Corvanta and Pellar deal means for customers",
        "Both product lines will continue, the companies say.",
    ),
    ("Corvanta's Pellar acquisition: the key numbers", "Price, funding and timetable of the deal."),
    (
        "Software consolidation continues with Corvanta deal",
        "Analysts expect more mergers in the sector.",
    ),
    (
        "Corvanta chief executive on the Pellar acquisition",
        "The deal adds customers in healthcare and retail.",
    ),
    (
        "Corvanta: interim dividend held at 2.1p",
        "The company published its half-year figures this morning.",
    ),
)

_SHARING: Final = (
    "{brand} to acquire Pellar Systems for £410m",
    "{brand} half-year results are out, revenue £84.2m",
    "{brand} buying Pellar Systems, announced this morning",
    "interesting deal: {brand} and Pellar Systems",
    "{brand} results and an acquisition on the same day",
)
_INVESTORS: Final = (
    "{brand} shares moving on the Pellar news",
    "reading the {brand} results, revenue in line with forecasts",
    "{brand} paying about four times revenue for Pellar",
    "the {brand} deal is funded partly with new debt",
    "{brand} interim dividend unchanged at 2.1p",
)
_TRADE: Final = (
    "we use both {brand} and Pellar, curious what happens to the products",
    "{brand} says both product lines will continue",
    "anyone know if the {brand} and Pellar integrations will merge?",
    "a lot of Pellar customers are in retail, {brand} mostly in healthcare",
)
VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods={"sharing": _SHARING, "investors": _INVESTORS, "trade": _TRADE},
    weights={"sharing": 45, "investors": 35, "trade": 20},
    openings=("", "", "", "", "News:", "Just announced:", "FYI,", "Worth reading:"),
    hashtags=("#corvanta", "#software", "#mergers", "#results"),
    emoji=("📈", "📰", "🤔"),
    second_share=0.15,
    emoji_share=0.08,
    shout_share=0.0,
    typo_share=0.03,
)


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(ACCOUNTS, "corvanta", "Corvanta", "en", per_hour, negative_share=0.15)


def build(seed: int) -> Scenario:
    """One variant: which weekday, how much attention (five to ten times the usual), how
    long it lasts and how many news sites carry it."""
    rng = kit.seeded(NAME, seed)
    news_day = datetime(2017, 10, rng.choice((10, 11, 12)), tzinfo=LONDON)  # Tuesday to Thursday
    start = news_day - timedelta(days=rng.randint(4, 6))
    onset = news_day + timedelta(hours=7, seconds=rng.randint(0, 90))
    end = news_day + timedelta(days=1, hours=20)
    per_hour = 3.5 * rng.uniform(0.8, 1.25)
    scene = kit.scene(rng, 113, ACCOUNTS, ENGLISH_PEOPLE)
    everyday = Everyday(
        TALK,
        per_hour=per_hour,
        mix=Mix(page=0.3, x=0.55, forum=FORUM),
        answers=care(ENGLISH),
        x_account=ACCOUNTS.x,
        news_share=0.25,
        noise_sigma=0.25,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    release = rss_item(scene, onset, _BUSINESS_FEEDS[-1], RELEASE, "en")
    announcement = _announce(scene, onset + timedelta(minutes=rng.uniform(5.0, 25.0)))
    articles = _articles(scene, onset, rng.randint(14, 24))
    rate = _attention_rate(onset, per_hour, rng.uniform(5.0, 10.0), rng.uniform(180.0, 300.0))
    shares = [
        _share(scene, when) for when in arrivals(rng, onset + timedelta(minutes=3), end, rate)
    ]
    return kit.synthetic(
        NAME,
        "Corvanta: half-year results and an acquisition in the news, neutral (English)",
        seed,
        brand(usual(traffic, start, onset)),
        Expected(None),
        traffic.posts,
        [release, *announcement, *articles, *shares],
    )


def _announce(scene: Scene, when: datetime) -> list[Post]:
    rng = scene.rng
    at = when.replace(microsecond=0)
    return [
        page_post(scene, at, ANNOUNCEMENT, rng.randint(40, 200), rng.randint(5, 40)),
        x_post(scene, at + timedelta(seconds=rng.randint(20, 90)), ANNOUNCEMENT, "en", ACCOUNTS.x),
    ]


def _articles(scene: Scene, onset: datetime, count: int) -> list[Post]:
    """News items through the morning and into the afternoon, from many outlets."""
    rng = scene.rng
    items: list[Post] = []
    for index in range(count):
        minutes = 240.0 * rng.betavariate(1.2, 2.5) + 10.0
        when = (onset + timedelta(minutes=minutes)).replace(microsecond=0)
        feed = _BUSINESS_FEEDS[index % len(_BUSINESS_FEEDS)]
        items.append(rss_item(scene, when, feed, HEADLINES[index % len(HEADLINES)], "en"))
    return items


def _attention_rate(onset: datetime, per_hour: float, multiple: float, hold: float) -> Rate:
    """On top of the usual traffic, enough shares and comments to make ``multiple`` times
    the usual for ``hold`` minutes (reached in twenty), then a fall back to normal."""

    def rate(when: datetime) -> float:
        minutes = (when - onset).total_seconds() / 60.0
        if minutes < 0.0:
            return 0.0
        extra = (multiple - 1.0) * per_hour * ORDINARY_HOURLY[when.hour] / ORDINARY_MEAN
        if minutes < hold:
            return extra * min(1.0, minutes / 20.0)
        return extra * math.pow(0.5, (minutes - hold) / 90.0)

    return rate


def _share(scene: Scene, when: datetime) -> Post:
    rng = scene.rng
    text = naming(rng, crowd_post(rng, VOICES), NAMES)
    if rng.random() < 0.15:
        return forum_post(scene, when, text, FORUM)
    return x_post(scene, when, text, "en")


ENTRY: Final = Entry(
    NAME, "results and an acquisition in the business news, neutral (English)", build
)
