"""outage-en: Zentopay, a fictional UK payments app, stops working; cards are declined.

Synthetic data for testing, not real posts: the company, its people and every text
(English) were written for listener. The shape is the one of outage.py, for a big brand
whose cards stop working for everybody at once: within minutes "is Zentopay down?" and
declined payments at the till from all over the country, a status update, the fix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from listener.replay.scenarios.catalog import Entry, Scenario
from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.everyday import ENGLISH_FEEDS
from listener.replay.scenarios.people import ENGLISH as ENGLISH_PEOPLE
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.shapes.outage import shape as outage
from listener.replay.scenarios.talk import ENGLISH, Talk
from listener.replay.scenarios.timing import LONDON

NAME: Final = "outage-en"
ACCOUNTS: Final = kit.accounts("zentopay", "Zentopay", "zentopay", (1_400_000, 730_000))
NAMES: Final = ("Zentopay", "Zentopay", "Zentopay", "@zentopay", "#zentopay")

_PLACES: Final = (
    "the supermarket", "the pub", "the bakery", "the petrol station", "the chemist",
    "the corner shop", "the chippy", "the train station", "the cinema", "the car park",
)  # fmt: skip
_NEWS: Final = (
    ("Zentopay passes five million customers",
     "The payments app says younger users drove a record quarter."),
    ("Zentopay launches savings pots with 1.2% interest",
     "The fintech adds a savings feature to its current account app."),
    ("Fintechs chase high street banks' customers",
     "Zentopay and its rivals add features as switching grows."),
)  # fmt: skip

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@zentopay",
    places=_PLACES,
    questions=(
        "can I get my salary paid in a few days early?",
        "how do I freeze my card in the app?",
        "is there a fee for spending abroad?",
        "how do I set up a standing order?",
        "can I have a joint account with my partner?",
        "what's the daily cash withdrawal limit?",
        "does paying with my phone work with the new card?",
        "how do I get a bank statement for my mortgage application?",
        "can I split a bill with someone who isn't on Zentopay?",
        "how long does a new card take to arrive?",
        "do savings pots pay interest monthly?",
    ),
    complaints=(
        "my card was declined at {city} for no reason",
        "support chat took {n} hours to reply",
        "a refund has been pending for two weeks",
        "the app keeps asking me to verify my ID again",
        "my account got frozen with no explanation",
        "still no new card after {n} weeks",
        "a payment went out twice and I can't get it back",
    ),
    praise=(
        "instant notifications are a lifesaver",
        "best banking app I've used, easily",
        "sorted my lost card in two minutes in the app, amazing",
        "love the spending breakdown every month",
        "the savings pots have actually got me saving",
    ),
    mentions=(
        "just moved my salary to {brand}, goodbye old bank",
        "{brand} telling me I spent £60 on coffee this month, rude",
        "splitting the bill on {brand}, so easy",
        "anyone else get the {brand} card in the new colour?",
        "{brand} budgeting feature is making me feel things",
        "paid at {city} with {brand} in one tap",
        "the {brand} year in review is brutal",
    ),
    page_posts=(
        "Savings pots now pay 1.2% interest. Round up your spending and watch it grow 💸",
        "Travelling? Spend abroad with no fees, at the real exchange rate.",
        "Get paid up to a day early when your salary lands in Zentopay.",
        "Freeze and unfreeze your card in one tap, any time.",
        "Split bills with anyone, even if they're not on Zentopay yet.",
    ),
    news=_NEWS,
)

_DOWN: Final = (
    "is {brand} down?",
    "{brand} app won't load at all",
    "can't log in to {brand}, just a spinning wheel",
    "{brand} down again??",
    "the app says 'something went wrong', very helpful",
    "every payment failing right now",
    "error 503 on the {brand} website too",
    "app crashes as soon as it opens",
)
_TILL: Final = (
    "card declined at {city}, so embarrassing",
    "stood at the till at {city} like an idiot while my card got declined",
    "can't pay for my shopping, card keeps failing",
    "tried to pay for petrol, declined, had to leave my licence",
    "my rent is due today and I can't move any money",
    "all my money is in {brand} and I can't touch it, this is awful",
)
_ASKING: Final = (
    "just me or is {brand} broken?",
    "anyone else's card not working?",
    "what is going on with {brand} today",
    "is the whole app down or just payments?",
)
_ANGRY: Final = (
    "second outage this month, not good enough",
    "this is why I kept my old bank account",
    "absolutely useless when it matters",
    "if you're going to be my bank you can't just disappear",
    "so frustrating, I have bills to pay",
    "moving my salary back to a real bank after this",
)
_COMPANY: Final = (
    "no status update, no tweet, nothing. {brand}??",
    "@zentopay any idea when this will be fixed?",
    "the status page says everything is fine, lol no",
)
_STATUS: Final = (
    "'we're looking into it' doesn't pay my rent",
    "'working on it' isn't an answer, how long?",
    "an hour later and still nothing works",
    "still declined, even after your 'update'",
)
_BACK: Final = (
    "{brand} seems to be back",
    "app working again for me",
    "finally, card works again",
    "back up, but that was a nightmare",
    "working now, took them long enough",
)
_WEIGHTS: Final = {"down": 38, "till": 22, "asking": 16, "angry": 16, "company": 8}

VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods={
        "down": _DOWN,
        "till": _TILL,
        "asking": _ASKING,
        "angry": _ANGRY,
        "company": _COMPANY,
        "status": _STATUS,
        "back": _BACK,
    },
    weights=_WEIGHTS,
    places=_PLACES,
    openings=("", "", "", "", "Ugh.", "Come on.", "Seriously?", "Again?", "ffs."),
    closings=("", "", "", "Fix it.", "Not good enough.", "Terrible.", "So annoying.", "Awful."),
    hashtags=("#zentopaydown", "#zentopay", "#outage"),
    emoji=("😡", "😤", "🙄", "😩", "💳", "🤦"),
    agreeing=("Same.", "Same here.", "Mine too.", "Down here too.", "Same in Leeds."),
)

OUTAGE: Final = outage.Outage(
    name=NAME,
    title="Zentopay: the payments app and its cards stop working for a few hours (English)",
    tag=106,
    brand=kit.brand_spec(ACCOUNTS, "zentopay", "Zentopay", "en"),
    accounts=ACCOUNTS,
    talk=TALK,
    people=ENGLISH_PEOPLE,
    zone=LONDON,
    first_day=datetime(2017, 10, 3, tzinfo=LONDON),
    per_hour=40.0,
    size=1.8,
    forum="UKPersonalFinance",
    feeds=ENGLISH_FEEDS,
    voices=VOICES,
    after_status={**_WEIGHTS, "status": 30, "company": 0, "back": 0},
    after_fix={"back": 50, "angry": 20},
    status=(
        "Some of you can't log in or make card payments right now. We're on it and will "
        "update you here. Sorry for the hassle."
    ),
    updates=(
        "Update: we've found the cause and are working on a fix. Card payments and the app "
        "are still affected for some customers.",
        "Update: things are recovering. Payments should start working again over the next "
        "few minutes.",
    ),
    fixed=(
        "Everything's working again. If a payment failed while we were down, it won't have "
        "left your account. We're really sorry, and we'll share what went wrong."
    ),
    answers=(
        "Hi {name}, sorry about this, we know it's a real pain. We're working on it and "
        "will update you here as soon as we can.",
        "Hi {name}, really sorry. Payments are affected right now; any failed payment won't "
        "leave your account.",
        "Hey {name}, we're on it. If you've been charged a late fee because of this, DM us "
        "once we're back and we'll sort it.",
    ),
    sudden=True,
    headlines=(
        (
            "Zentopay outage leaves customers unable to pay",
            "Users of the app report declined cards and failed log-ins across the UK.",
        ),
        (
            "Zentopay restores service after outage",
            "The payments app apologises and promises to explain what went wrong.",
        ),
    ),
)


def build(seed: int) -> Scenario:
    return outage.build(OUTAGE, seed)


ENTRY: Final = Entry(NAME, "a payments app and its cards stop working (English)", build)
