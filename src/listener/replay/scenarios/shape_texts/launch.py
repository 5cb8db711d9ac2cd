"""English texts for the launch scenario: Zyphon, a fictional consumer-electronics brand,
on ordinary days and the evening it unveils its new phone, the Zyphon Arc.

Synthetic data for testing, not real posts: the brand, its products and every text were
written for listener. Launch posts are mostly excited and full of praise; a few grumble
about the price, the stock or the delivery date.
"""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.talk import ENGLISH, Talk

NAMES: Final = ("Zyphon", "Zyphon", "Zyphon", "@zyphon", "#zyphon")
#: How people name the new phone; each also names the brand.
PHONE: Final = ("Zyphon Arc", "Zyphon Arc", "Zyphon Arc", "#ZyphonArc")

_NEWS: Final = (
    ("Zyphon teases new phone for October",
     "The brand has sent invitations to a launch event in London."),
    ("Mid-range phones: the best buys this autumn",
     "Zyphon's current model still offers the best battery life for the price."),
    ("Zyphon earbuds get a price cut ahead of Christmas",
     "The wireless buds drop to £79 at most retailers."),
)  # fmt: skip

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@zyphon",
    places=("London", "Manchester", "Dublin", "Edinburgh", "Birmingham", "Leeds"),
    questions=(
        "will the Z5 get the next software update?",
        "does the Z5 case fit the Z5 Plus?",
        "how do I turn off the always-on display?",
        "is the charger included in the box?",
        "can I trade in my old phone in the {city} store?",
        "does the screen protector affect the fingerprint reader?",
        "when do the new earbuds ship to Ireland?",
        "is the warranty valid if I bought abroad?",
        "how long does a battery replacement take?",
    ),
    complaints=(
        "my Z5 keeps restarting since the last update",
        "the earbuds disconnect every {n} minutes",
        "screen cracked from a tiny drop, not impressed",
        "repair has taken three weeks already",
        "battery is draining way faster this month",
    ),
    praise=(
        "two years with my Z5 and it still flies",
        "the camera on this thing is unreal",
        "battery lasts me two days, love it",
        "best earbuds I've had for the money",
        "support sorted my warranty claim in a day, brilliant",
    ),
    mentions=(
        "{brand} earbuds on the commute, bliss",
        "night mode on my {brand} is honestly so good",
        "thinking of switching to {brand}, any regrets?",
        "my {brand} survived a fall in the sea, legend",
        "rumours say {brand} has a new phone coming",
    ),
    page_posts=(
        "Night shots like never before. Share yours with #zyphon 📸",
        "Two days of battery, one charge. That's the Z5.",
        "Something new is coming. Save the date 👀",
        "Our earbuds now with 20% off, this week only.",
        "Update 4.2 is rolling out: better battery and a faster camera.",
    ),
    news=_NEWS,
)

ANNOUNCEMENT: Final = (
    "Meet the Zyphon Arc. 📱 A curved edge-to-edge screen, two days of battery and our best "
    "camera ever. Pre-order now, in stores next Friday. #ZyphonArc"
)

_EXCITED: Final = (
    "the {brand} looks absolutely stunning",
    "just pre-ordered the {brand}, take my money",
    "that curved screen is gorgeous",
    "two days of battery?? sold",
    "{brand} camera samples are incredible",
    "best launch I've seen in years",
    "I love the green one so much",
    "finally a phone worth upgrading for",
    "watching the {brand} keynote and grinning like an idiot",
    "Zyphon absolutely nailed it tonight",
    "this is the phone I've been waiting for",
    "the {brand} is beautiful, well done Zyphon",
)
_SPECS: Final = (
    "the night mode on the {brand} looks amazing",
    "love that they kept the headphone jack",
    "the price is really fair for what you get",
    "the new design is so clean, great job",
    "the {brand} in the hand looks perfect",
)
_SHARING: Final = (
    "group chat is losing it over the {brand}",
    "my whole timeline is the {brand} and I'm happy about it",
    "pre-order confirmed! can't wait for Friday",
    "showed my mum the {brand} and now she wants one too, lovely",
)
_GRUMBLE: Final = (
    "£799 for the {brand}? too expensive for me",
    "sold out in ten minutes, ridiculous",
    "shipping in five weeks? disappointing",
    "the pre-order site crashed, annoying",
)
_WONDER: Final = (
    "does the {brand} come in a smaller size?",
    "will there be an unlocked version of the {brand}?",
    "when does the {brand} land in Ireland?",
)
_WEIGHTS: Final = {"excited": 46, "specs": 20, "sharing": 16, "grumble": 7, "wonder": 6}

VOICES: Final = Voices(
    register=ENGLISH,
    names=PHONE,
    moods={
        "excited": _EXCITED,
        "specs": _SPECS,
        "sharing": _SHARING,
        "grumble": _GRUMBLE,
        "wonder": _WONDER,
    },
    weights=_WEIGHTS,
    openings=("", "", "", "", "Wow.", "Omg.", "Yes!", "Okay,", "Ahh!"),
    closings=("", "", "", "Love it.", "Amazing.", "So good.", "Well done.", "Want."),
    hashtags=("#ZyphonArc", "#zyphon", "#launch"),
    emoji=("😍", "🔥", "🤩", "📱", "👏", "💚"),
    agreeing=("Same!", "Yes!!", "Agreed, gorgeous.", "Love it too.", "Same, pre-ordered."),
    second_share=0.3,
    solo=("grumble", "wonder"),
    typo_share=0.08,
)

HEADLINES: Final = (
    ("Zyphon unveils the Arc, its first curved-screen phone",
     "The brand promises two days of battery and a much better night camera."),
    ("Hands on with the Zyphon Arc",
     "First impressions of the new phone are very good, our reviewer says."),
    ("Zyphon Arc pre-orders sell out in minutes",
     "The brand says more stock will arrive before Christmas."),
    ("Zyphon Arc vs the rivals: is it the best phone under £800?",
     "The new phone's battery and camera put it near the top."),
)  # fmt: skip
