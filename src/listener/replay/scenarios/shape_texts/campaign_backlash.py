"""English texts for the campaign-backlash scenario: Burgado, a fictional burger chain, and
its hashtag campaign #BurgadoMoments, first shared fondly, then turned against it.

Synthetic data for testing, not real posts: the chain, its people and every text were
written for listener; the shape follows well-known hashtag campaigns that went wrong.
"""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.talk import ENGLISH, Talk

HASHTAG: Final = "#BurgadoMoments"
#: The campaign's line, as people quote it back at the chain.
SLOGAN: Final = "every burger has a story"
NAMES: Final = ("Burgado", "Burgado", "Burgado", "@burgado", "#burgado")

_PLACES: Final = (
    "Croydon", "Leeds", "Nottingham", "Cardiff", "Coventry", "Sheffield", "Luton", "Newcastle",
    "Bristol", "Watford", "Plymouth", "Stockport",
)  # fmt: skip
_NEWS: Final = (
    ("Burgado opens its 200th restaurant",
     "The burger chain's newest site in Plymouth is its biggest yet."),
    ("Fast food chains race to add plant-based burgers",
     "Burgado says its veggie stack now makes up one in ten orders."),
    ("Burgado trials table service in five branches",
     "Customers order on an app and food is brought to the table."),
)  # fmt: skip

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@burgado",
    places=_PLACES,
    questions=(
        "is the {city} branch open till midnight on Fridays?",
        "do you still do the double stack meal deal?",
        "are your fries cooked in the same oil as the chicken?",
        "can I order on the app and collect at the drive thru?",
        "is the veggie burger vegan or just vegetarian?",
        "when's the spicy one coming back?",
        "do you do birthday parties at the {city} restaurant?",
        "do the loyalty points expire?",
        "what's in the secret sauce, asking for a friend",
        "are you hiring in {city}?",
    ),
    complaints=(
        "waited {n}0 minutes at the {city} drive thru for cold fries",
        "my order was wrong again, no burger in the bag",
        "the app took my money and the order never showed up",
        "the {city} branch was filthy last night",
        "the milkshake machine is broken every single time",
        "my delivery turned up an hour late and stone cold",
        "staff at {city} couldn't care less",
    ),
    praise=(
        "best burger in {city}, no contest",
        "the new chicken burger is unreal, so good",
        "staff at {city} were lovely to my kids today",
        "love the loaded fries 😍",
        "quick, hot and tasty, exactly what I needed",
    ),
    mentions=(
        "{brand} after the gym, don't judge me",
        "nothing beats a {brand} at 1am",
        "{brand} loaded fries are elite",
        "{brand} drive thru queue is round the block again",
        "kids wanted {brand} for tea, who am I to argue",
        "ok the new {brand} chicken burger slaps",
        "{brand} or pizza tonight? help",
    ),
    page_posts=(
        "Double stack Tuesdays are back: two burgers, one price 🍔🍔",
        "Our new crispy chicken burger is here. Tag someone you'd share it with. Or not.",
        "Order on the app, skip the queue, grab it at the window.",
        "Loaded fries, now with extra cheese. You're welcome.",
        "Late night cravings? 40 of our restaurants are now open till 2am.",
    ),
    news=_NEWS,
)

CAMPAIGN: Final = (
    "Every burger has a story. 🍔 What's your favourite Burgado memory? Share it with "
    "#BurgadoMoments and the best ones win free burgers for a year!"
)
PAUSE: Final = (
    "We asked for your #BurgadoMoments and you told us, good and bad. We're listening, and "
    "we're pausing the campaign. If something went wrong on a visit, please DM us so we can "
    "put it right."
)

#: The reply under the campaign's post that turns it: quoted at once, then imitated.
FIRST_REPLY: Final = (
    "@burgado #BurgadoMoments that time I found a plaster in my burger 🤢 every burger has a "
    "story, and mine was disgusting"
)

#: Fond memories shared in the first hours.
FOND: Final = (
    "first date with my husband was at the {city} Burgado, 12 years ago",
    "Saturday Burgado with my dad after football, every week for years",
    "road trip, 2am, a Burgado drive thru and the best fries of my life",
    "my kids still call it 'the burger castle'",
    "celebrated passing my driving test with a double stack",
    "the staff at {city} sang happy birthday to my nan, she loved it",
    "post-exam Burgado with the whole class, great memories",
    "my first ever job was at Burgado in {city}, great team",
)

_MOCKING: Final = (
    "that time I found a plaster in my burger",
    "waiting {n}0 minutes for cold fries and a wrong order",
    "food poisoning after the {city} branch, lovely memories",
    "the night the {city} Burgado was shut down for rats",
    "my {brand} moment: a raw chicken burger",
    "watching staff drop my burger on the floor and put it back in the box",
    "every time the milkshake machine is 'broken', which is always",
    "being sick for two days after a double stack, never forgetting that one",
    "paying £9 for a soggy meal deal and a sticky table",
    "finding someone else's hair in my fries. vile",
    "'every burger has a story'. mine was two days of food poisoning",
    "every burger has a story, mine had a plaster in it",
)
_WORKERS: Final = (
    "working at Burgado on minimum wage with no breaks, ask the staff for their moments",
    "my moment: 11 hour shifts and the manager stealing our tips",
    "ex-employee here, the kitchen hygiene was disgusting",
    "they cut our hours the week the campaign launched, shameful",
)
_JEERING: Final = (
    "who at {brand} thought this hashtag was a good idea",
    "this hashtag is a disaster and I'm here for it",
    "the {brand} social team must be crying right now",
    "someone at {brand} is getting fired over this hashtag",
    "marketing 101: never ask the internet for memories",
    "the replies to the {brand} campaign are a horror show",
    "{brand} asked for stories and got a food safety inquiry",
    "'every burger has a story' and every story is about cold fries and food poisoning",
)
_SARCASTIC: Final = (
    "my favourite memory is the stomach ache, truly unforgettable",
    "what a lovely campaign, really bringing back the nausea",
    "nothing says family memories like cold fries and a rude manager",
    "five stars for the free salmonella",
)

_OPENINGS: Final = ("", "", "", "", "", "lol", "Oh dear.", "Yikes.", "Ugh.", "Right then.")
_CLOSINGS: Final = ("", "", "", "Disgusting.", "Never again.", "Awful.", "Gross.", "Horrible.")
_WEIGHTS: Final = {"mocking": 40, "workers": 12, "jeering": 18, "sarcastic": 10}

VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods={
        "mocking": _MOCKING,
        "workers": _WORKERS,
        "jeering": _JEERING,
        "sarcastic": _SARCASTIC,
        "fond": FOND,
    },
    weights=_WEIGHTS,
    places=_PLACES,
    openings=_OPENINGS,
    closings=_CLOSINGS,
    hashtags=("#burgadofail", "#foodpoisoning", "#burgado"),
    emoji=("🤢", "🤮", "😂", "🙄", "💀", "🐀", "😬"),
    agreeing=("😂", "Same.", "This.", "Can confirm.", "Same at my local.", "Yep."),
    second_share=0.3,
)
FOND_VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods={"fond": FOND},
    weights={"fond": 1},
    places=_PLACES,
    openings=("", "", "Aww.", "Love this!", "Easy one:"),
    closings=("", "", "", "Good times.", "Love it.", "❤️", "Great memories."),
    emoji=("🍔", "❤️", "😍", "😊", "🍟"),
    second_share=0.0,
)

#: The hostile lines are hashtagged with the campaign's own tag at these odds.
TAGGED: Final = 0.75

HEADLINES: Final = (
    ("Burgado's #BurgadoMoments campaign backfires",
     "Customers use the burger chain's hashtag to share food poisoning and hygiene stories."),
    ("Hashtag hijacked: the fast food campaign that went wrong",
     "Burgado asked for fond memories. It got plasters, rats and cold fries."),
    ("Burgado pauses social campaign after backlash",
     "The chain says it is listening after its hashtag was turned against it."),
    ("Former Burgado staff join hashtag backlash",
     "Ex-employees describe long shifts and poor hygiene under the campaign tag."),
)  # fmt: skip
