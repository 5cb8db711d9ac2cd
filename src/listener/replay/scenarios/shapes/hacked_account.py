"""hacked-account: someone takes over a retailer's X account in the night.

Synthetic data for testing, not real posts: Trovique is a fictional UK retailer and every
author, text, wallet and link is invented (the links point nowhere real). Two ordinary
days give the baseline, in which the brand's X account posts and answers only in office
hours. Then, in the small hours, five posts in about twelve minutes come from that
account: a crypto giveaway, "send to this wallet", an insult, a fake gift-card log-in
page. The followers still up answer the posts within minutes ("hacked?", "it's a
scam"); at breakfast many more share screenshots and warn each other; the brand says it
was hacked once it has the account back.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, Voices, crowd_post, crowd_reply, spread
from listener.replay.scenarios.crowd import naming as named
from listener.replay.scenarios.everyday import Mix, draw_scale, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.people import ENGLISH as ENGLISH_PEOPLE
from listener.replay.scenarios.posts import Scene, page_post, x_post
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.talk import ENGLISH, Talk
from listener.replay.scenarios.timing import LONDON, Rate, arrivals, bump

NAME: Final = "hacked-account"
ACCOUNTS: Final = kit.accounts("troviqueshop", "Trovique", "trovique", (150_000, 86_000))
NAMES: Final = ("Trovique", "Trovique", "@trovique", "@trovique", "#trovique")

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@trovique",
    places=(
        "Leeds",
        "Bath",
        "Kingston",
        "Chester",
        "Oxford",
        "Cambridge",
        "Harrogate",
        "Leicester",
    ),
    questions=(
        "is the {city} store doing click and collect yet?",
        "when does the winter sale start?",
        "can I return something bought online in the {city} shop?",
        "will the grey velvet sofa be back in stock?",
        "do you deliver to Northern Ireland?",
        "how long do refunds take to go back on a card?",
        "is there a student discount online?",
        "do the duvet covers come in super king?",
        "can I change my delivery slot after ordering?",
        "does the gift card work online and in store?",
    ),
    complaints=(
        "my order was meant to arrive {n} days ago and the tracking hasn't moved",
        "sent the wrong size twice now",
        "the lamp arrived smashed, second time",
        "three weeks and still no refund for my return",
        "the {city} store had one till open and a queue out the door",
        "your chat bot is useless, I need a human",
        "charged for next day delivery, arrived in a week",
    ),
    praise=(
        "love my new rug, the colour is perfect",
        "staff in {city} were so helpful today",
        "quickest delivery ever, ordered last night and it's here",
        "the quality of the bedding is lovely for the price",
        "easy return, refund the next day, thank you",
    ),
    mentions=(
        "new cushions from {brand} and the living room looks brand new",
        "{brand} sale haul 🛍️",
        "anyone else obsessed with the {brand} candles?",
        "{brand} delivery van just woke the whole street",
        "got my mum a {brand} voucher for her birthday",
        "why is everything in the {brand} homeware section so nice",
    ),
    page_posts=(
        "Cosy season is here: new throws, candles and knits, online and in store 🍂",
        "Free delivery on orders over £40 this weekend only.",
        "Meet our new homeware range, designed in our Leeds studio.",
        "Your home, your style: share your Trovique corner with #trovique",
        "Click and collect now in 30 stores. Order by 2pm, collect from 4pm.",
    ),
    news=(
        (
            "Trovique sales up 6% as homeware booms",
            "The retailer says its online business now makes up half of sales.",
        ),
        (
            "Trovique to open ten new stores next year",
            "The homeware and fashion chain targets market towns in the north.",
        ),
        (
            "High street retailers gear up for Christmas",
            "Trovique, among others, is hiring thousands of seasonal staff.",
        ),
    ),
)

HACKED: Final = (
    "🚨 GIVEAWAY 🚨 To celebrate our anniversary we're giving away 500 BTC! Send 0.1 BTC to "
    "1TrvQ8kXw3mZpL2nYd7sFq9 and get 1 BTC back instantly 💰 trovique-giveaway.win/claim",
    "Only 150 spots left!!! Send ETH to 0x8f3ae71c04b9d2 and receive DOUBLE back. Official "
    "Trovique promo ✅ verified ➡️ claim-trovique.xyz",
    "honestly if you shop here you deserve what you get, our customers are clowns 🤡",
    "FREE £500 gift cards for the first 1000 followers!! log in with your account here "
    "👉 tr0vique-login.com/gift",
    "this is NOT a scam, we are 100% real, send now before it ends 💸💸 1TrvQ8kXw3mZpL2nYd7sFq9",
)
RECOVERED: Final = (
    "Our X account was accessed by someone else overnight. The posts made in the night "
    "were not from us: please don't send money, click the links or enter any details. The "
    "account is secure again and we're investigating. We're sorry for the worry."
)

_NOTICING: Final = (
    "was @trovique hacked??",
    "why is @trovique asking people to send bitcoin",
    "someone's got into the {brand} account",
    "the {brand} account just posted a crypto scam",
    "{brand} calling their own customers clowns in the middle of the night, hacked surely",
    "either {brand} got hacked or their social team has lost it",
    "that 'giveaway' from {brand} is 100% a scam",
)
_WARNING: Final = (
    "do NOT send anything to that wallet, it's a scam",
    "don't click the links in the {brand} posts, it's a phishing site",
    "tr0vique with a zero is not the real site, be careful",
    "reported the {brand} posts as fraud",
    "please warn your parents, the fake {brand} giveaway looks convincing",
    "if you entered your details on that gift card page change your password now",
)
_SCREENSHOTS: Final = (
    "screenshot before they delete it 📸",
    "got screenshots of all five posts from the {brand} account",
    "the insult post is still up, unbelievable",
)
_STILL_UP: Final = (
    "just woke up to this, and the scam posts are still on the {brand} account",
    "how are these still up?? where is {brand}",
    "hours later and the fake giveaway is still up. shocking",
)
_AFTERWARDS: Final = (
    "glad they got the account back, but how did it happen?",
    "took {brand} hours to notice their own account was posting scams",
    "hope nobody lost money to this, awful",
    "the hacked posts were up for hours, terrible",
    "so do we trust {brand} with our card details after this?",
)
_BLAME: Final = (
    "how does a company this size not have two-factor on its account",
    "shocking security from {brand}",
    "worried about my card details now, what else have they got access to",
    "{brand} need to explain how this happened",
)
VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods={
        "noticing": _NOTICING,
        "warning": _WARNING,
        "screens": _SCREENSHOTS,
        "blame": _BLAME,
        "still_up": _STILL_UP,
        "afterwards": _AFTERWARDS,
    },
    weights={"noticing": 30, "warning": 25, "screens": 20, "blame": 20},
    openings=("", "", "", "", "Umm.", "Yikes.", "Careful everyone.", "Heads up:", "Wtf."),
    closings=("", "", "", "Scam alert.", "Be careful.", "Terrible.", "Dodgy as hell."),
    hashtags=("#scam", "#hacked", "#trovique", "#phishing"),
    emoji=("😬", "🚨", "😳", "⚠️", "🤦"),
    agreeing=("Same here.", "Reported it too.", "Yep, hacked.", "Saw it as well."),
    second_share=0.3,
)


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(ACCOUNTS, "trovique", "Trovique", "en", per_hour)


def build(seed: int) -> Scenario:
    """One variant: the night and hour of the takeover, the pace of the five posts, and how
    many people notice."""
    rng = kit.seeded(NAME, seed)
    scale = draw_scale(rng)
    start = datetime(2017, 10, 7 + rng.randint(0, 3), tzinfo=LONDON)
    onset = (start + timedelta(days=2, hours=rng.uniform(1.5, 4.0))).replace(microsecond=0)
    back_at = onset.replace(hour=7, minute=0, second=0) + timedelta(minutes=rng.uniform(0.0, 55.0))
    end = onset.replace(hour=22, minute=0, second=0)
    scene = kit.scene(rng, 104, ACCOUNTS, ENGLISH_PEOPLE)
    everyday = kit.everyday(
        TALK,
        ACCOUNTS,
        10.0 * rng.uniform(0.8, 1.2),
        Mix(page=0.45, x=0.45, forum="CasualUK"),
        news_share=0.3,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    prior = usual(traffic, start, onset)
    hacked = _hacked(scene, onset)
    owls = _night_owls(scene, kit.burst(rng, onset, prior, (9, 13), (6.0, 9.0)), hacked)
    recovered = [
        page_post(scene, back_at, RECOVERED, rng.randint(200, 900), rng.randint(30, 200)),
        x_post(
            scene, back_at + timedelta(seconds=rng.randint(20, 60)), RECOVERED, "en", ACCOUNTS.x
        ),
    ]
    times = arrivals(rng, onset + timedelta(seconds=60), end, _reaction_rate(onset, scale))
    page = rng.uniform(0.15, 0.3)
    channels = Channels(page=page, x=1.0 - page - 0.06, forum="CasualUK")
    under = [post for post in traffic.page_posts if post.created_at < onset][-1:] + recovered[:1]
    reactions = spread(scene, times, channels, partial(_write, rng, back_at), under)
    return kit.synthetic(
        NAME,
        "Trovique: the retailer's X account posts crypto scams and insults at night",
        seed,
        brand(prior),
        Expected("account-compromise", 10, own_account=ACCOUNTS.x_account),
        traffic.posts,
        [*hacked, *owls, *recovered, *reactions],
    )


def _hacked(scene: Scene, onset: datetime) -> list[Post]:
    """Five posts from the brand's own account in about twelve minutes."""
    rng = scene.rng
    gaps = [0.0, *sorted(rng.uniform(1.0, 13.0) for _ in range(len(HACKED) - 1))]
    return [
        x_post(scene, onset + timedelta(seconds=round(60 * gap)), text, "en", ACCOUNTS.x)
        for gap, text in zip(gaps, HACKED, strict=True)
    ]


def _night_owls(scene: Scene, times: list[datetime], hacked: list[Post]) -> list[Post]:
    """The followers still up, answering the latest of the posts on X within minutes: an
    account of this size posting a crypto giveaway at night is noticed at once."""
    rng = scene.rng
    replies: list[Post] = []
    for when in times:
        answered = [post for post in hacked if post.created_at <= when][-1]
        text = named(rng, crowd_post(rng, VOICES), NAMES)
        replies.append(x_post(scene, when, text, "en", in_reply_to=answered.id))
    return replies


def _reaction_rate(onset: datetime, scale: float) -> Rate:
    """A few night owls at once, many more when people wake up and see the screenshots."""
    night = bump(onset + timedelta(minutes=1), 40.0, 14.0 * scale, 90.0)
    morning = bump(onset.replace(hour=6, minute=30, second=0), 90.0, 75.0 * scale, 150.0)

    def rate(when: datetime) -> float:
        return night(when) + morning(when)

    return rate


#: What people say once they wake up to it, and once the brand has the account back.
_MORNING: Final = {**VOICES.weights, "noticing": 15, "still_up": 25}
_LATER: Final = {"afterwards": 40, "blame": 25, "warning": 15, "screens": 10}


def _write(rng: random.Random, back_at: datetime, when: datetime, place: str) -> tuple[str, str]:
    weights = VOICES.weights
    if when >= back_at:
        weights = _LATER
    elif when.hour >= 6:
        weights = _MORNING
    if place == "reply":
        return crowd_reply(rng, VOICES, weights), "en"
    text = crowd_post(rng, VOICES, weights)
    return (text if place == "page" else named(rng, text, NAMES)), "en"


ENTRY: Final = Entry(NAME, "a retailer's own X account posts scams at night (English)", build)
