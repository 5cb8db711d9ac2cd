"""English texts for the executive-statement scenario: Kestrova, a fictional sportswear
brand, on ordinary days and after its chief executive says in an interview that
larger customers are not the people it wants wearing its clothes.

Synthetic data for testing, not real posts: the brand, its chief executive (never named)
and every text were written for listener.
"""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.talk import ENGLISH, Talk

NAMES: Final = ("Kestrova", "Kestrova", "Kestrova", "@kestrova", "#kestrova")

_NEWS: Final = (
    ("Kestrova opens flagship store on Regent Street",
     "The sportswear brand's biggest shop yet includes a running track on the roof."),
    ("Athleisure keeps growing as Kestrova posts strong half year",
     "Leggings and running jackets led sales, the brand says."),
    ("Kestrova signs deal to sponsor city half marathons",
     "The brand will kit out volunteers at eight races next year."),
)  # fmt: skip

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@kestrova",
    places=("Manchester", "Leeds", "Bristol", "Glasgow", "London", "Birmingham", "Cardiff"),
    questions=(
        "do the high waisted leggings come in a longer leg?",
        "when is the black running jacket back in stock?",
        "do you ship to Ireland?",
        "can I exchange in the {city} store if I bought online?",
        "are the sports bras sized by cup or S/M/L?",
        "is there a student discount?",
        "will the trail shoes come in wide fit?",
        "how do I wash the thermal tops without wrecking them?",
        "are the shorts squat proof?",
    ),
    complaints=(
        "leggings went see-through after {n} washes",
        "ordered a medium, got a small, twice",
        "my refund has been pending for three weeks",
        "the zip on my jacket broke in a month",
        "delivery was a week late and nobody answered my emails",
        "the {city} store had nothing in my size again",
    ),
    praise=(
        "best leggings I've ever owned, honestly",
        "ran my first half marathon in your kit, felt amazing",
        "the new jacket is so good in the rain",
        "great service in the {city} store today",
        "comfiest sports bra ever",
    ),
    mentions=(
        "new {brand} leggings for the gym, feeling good",
        "the {brand} sale is dangerous for my bank account",
        "{brand} running jacket survived a proper downpour today",
        "anyone tried the {brand} trail shoes?",
        "treated myself to a {brand} hoodie after a rough week",
    ),
    page_posts=(
        "New season, new kit: our autumn running collection is here 🏃",
        "Built for the rain: the StormLite jacket, now in four colours.",
        "Free returns on every order, always.",
        "Meet the team behind our new trail shoes: designed and tested in the Lake District.",
        "Every body moves. Find your fit with our size guide.",
    ),
    news=_NEWS,
)

INTERVIEW: Final = (
    "Kestrova boss: 'We make clothes for people who look after themselves'",
    "In a podcast interview, Kestrova's chief executive said the brand would not extend its "
    "sizes because larger customers 'aren't the people we want to be seen in our kit'.",
)
CLARIFICATION: Final = (
    "Our CEO's comments in yesterday's interview have been taken out of context. Kestrova "
    "welcomes everyone who loves to move, and we're proud of our size range."
)
APOLOGY: Final = (
    "Our CEO has apologised for what was said in the interview, and we're sorry too. It was "
    "wrong. We'll add extended sizes to our core range next year and we'll do better."
)

_QUOTING: Final = (
    "'aren't the people we want to be seen in our kit' is what the {brand} CEO actually said",
    "the {brand} CEO just told half the country they're not welcome in his shops",
    "'people who look after themselves'. disgusting, {brand}",
    "so {brand} only wants thin people in their leggings. noted",
    "read the full {brand} interview, it's even worse in context",
    "a CEO saying this out loud in 2017 is unbelievable",
)
_ANGRY: Final = (
    "disgusting comments from the {brand} boss",
    "as a size 18 runner this hurts, and it makes me angry",
    "body shaming your own customers, pathetic",
    "this is vile and he should resign",
    "fat people run too, you arrogant man",
    "shameful attitude, and it clearly comes from the top",
    "I'm so angry I could scream",
)
_BOYCOTT: Final = (
    "returning my {brand} leggings tomorrow",
    "never buying {brand} again",
    "cancelled my order, they don't deserve my money",
    "unfollowing {brand} and telling everyone I know",
    "boycott {brand} until he's gone",
)
_SARCASTIC: Final = (
    "can't wait for {brand}'s next campaign about 'every body', what a joke",
    "so the {brand} size guide is just 'be thin'? brilliant",
    "shout out to the {brand} PR team, they're having an awful day",
)
_COMPANY: Final = (
    "will the {brand} board do anything about this?",
    "@kestrova is this your official position?",
    "silence from {brand} says it all",
)
_DEFENDING: Final = (
    "he's not wrong that it's a niche brand, people are overreacting",
    "it's a fitness brand, what did you expect",
)
_AFTER_CLARIFICATION: Final = (
    "'taken out of context'? we all heard the clip",
    "that statement is worse than the interview",
    "not an apology. just spin",
    "'proud of our size range' lol, it stops at a 14",
)
_AFTER_APOLOGY: Final = (
    "an apology a day late is still an apology, I suppose",
    "too little too late, the damage is done",
    "extended sizes next year? we'll see",
    "sorry because sales dropped, not because they mean it",
)
_WEIGHTS: Final = {
    "quoting": 28, "angry": 30, "boycott": 16, "sarcastic": 8, "company": 8, "defending": 3,
}  # fmt: skip

VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods={
        "quoting": _QUOTING,
        "angry": _ANGRY,
        "boycott": _BOYCOTT,
        "sarcastic": _SARCASTIC,
        "company": _COMPANY,
        "defending": _DEFENDING,
        "clarification": _AFTER_CLARIFICATION,
        "apology": _AFTER_APOLOGY,
    },
    weights=_WEIGHTS,
    openings=("", "", "", "", "", "Wow.", "Disgusting.", "Unreal.", "Seriously?", "Ugh.", "Yikes."),
    closings=("", "", "", "Shameful.", "Shame on him.", "Resign.", "Awful.", "Gross."),
    hashtags=("#kestrova", "#boycottkestrova", "#bodyshaming", "#everybodymoves"),
    emoji=("😡", "🤬", "🙄", "👎", "😤", "🤮"),
    agreeing=("This.", "Exactly.", "Couldn't agree more.", "Same.", "100%."),
)
AFTER_CLARIFICATION: Final = {**_WEIGHTS, "company": 0, "clarification": 30}
AFTER_APOLOGY: Final = {**_WEIGHTS, "company": 0, "apology": 35, "angry": 15}

HEADLINES: Final = (
    ("Kestrova boss under fire over 'look after themselves' remarks",
     "Customers threaten a boycott after the chief executive's comments on sizes."),
    ("Backlash grows over Kestrova chief's comments on larger customers",
     "Runners and athletes share photos under #everybodymoves."),
    ("Kestrova says CEO's remarks were 'taken out of context'",
     "Critics say the brand's statement makes things worse."),
    ("Kestrova CEO apologises and promises extended sizes",
     "The sportswear brand says the remarks were wrong."),
)  # fmt: skip
