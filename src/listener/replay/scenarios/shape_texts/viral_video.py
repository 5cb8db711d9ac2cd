"""English texts for the viral-video scenario: a fictional airline, Skylarq Airways, on an
ordinary day and after a passenger's video of staff dragging a man off a plane.

Synthetic data for testing, not real posts: the airline, its people and every text were
written for listener; the shape follows widely reported cases of this kind.
"""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.talk import ENGLISH, Talk

NAMES: Final = ("Skylarq", "Skylarq", "Skylarq", "Skylarq Airways", "@skylarqair", "#skylarq")

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@skylarqair",
    places=(
        "Gatwick",
        "Manchester",
        "Edinburgh",
        "Bristol",
        "Malaga",
        "Dublin",
        "Lisbon",
        "Geneva",
        "Faro",
        "Belfast",
        "Glasgow",
        "Prague",
        "Palma",
        "Tenerife",
        "Nice",
    ),
    questions=(
        "how much is an extra 20kg bag if I add it after booking?",
        "can I take a pushchair to the gate on the {city} flight?",
        "what time does check-in close for long haul?",
        "is the fast track included with a flex fare?",
        "how do I change the name on a booking, my passport has my married name",
        "do you still do the {city} route in winter?",
        "can I pay for seat selection at the airport?",
        "is there wifi on the A320s?",
        "what's the liquid limit for hand luggage these days?",
        "can my dog fly in the cabin to {city}?",
        "how long does a refund take to come through after a cancellation?",
        "are meals included on the flight to {city} or do we buy on board?",
        "the app won't show my boarding pass, can I print it at the desk?",
        "when do the summer fares for next year come out?",
        "is the lounge at {city} open before 6am?",
        "can I add my frequent flyer number after I've flown?",
    ),
    complaints=(
        "my flight from {city} was delayed {n} hours and nobody told us anything",
        "still waiting on my refund from August, this is ridiculous",
        "my bag didn't turn up in {city} and the tracking page is useless",
        "you charged me twice for seat selection",
        "{n} weeks and no reply to my compensation claim",
        "the queue at bag drop in {city} was a joke this morning",
        "cabin crew were lovely but the plane was filthy",
        "your app logged me out and lost my booking again",
        "paid for extra legroom and got moved to row 31",
        "the call centre hung up on me twice",
    ),
    praise=(
        "lovely crew on the {city} flight this morning, thank you",
        "landed 20 minutes early, can't complain",
        "best cabin service I've had in years",
        "the new seats are so much comfier",
        "thanks for sorting my rebooking so quickly",
        "smooth flight to {city}, great pilot",
    ),
    mentions=(
        "off to {city} with {brand} tomorrow, can't wait",
        "anyone flown {brand} long haul? worth the upgrade?",
        "{brand} flight delayed again, standard",
        "sat on the tarmac at {city} for 40 minutes, cheers {brand}",
        "{brand} crew singing happy birthday to a kid on our flight, adorable",
        "booked {city} with {brand} for half term, wish us luck",
        "got my {brand} refund finally, only took {n} weeks",
        "the {brand} app is actually decent now",
    ),
    page_posts=(
        "Autumn sale! Fares to over 40 destinations from £39 one way. Book by Sunday ✈️",
        "Meet our new cabin interiors: more legroom, USB charging at every seat.",
        "Travelling with little ones this half term? Here's how to make the day easier.",
        "New route alert: Bristol to Faro, three times a week from November.",
        "Thank you to our ground teams, working through the night to keep you flying.",
        "Check in online from 30 days before your flight and skip the queue.",
    ),
    news=(
        (
            "Skylarq Airways adds winter routes from Bristol",
            "The carrier will fly to three new sun destinations from November.",
        ),
        (
            "Airline punctuality: how the UK carriers did in September",
            "Skylarq Airways sits mid-table, with four in five flights on time.",
        ),
        (
            "Skylarq to trial paperless boarding at Manchester",
            "Passengers will board with a face scan on selected routes.",
        ),
        (
            "Budget airlines brace for a busy half term",
            "Skylarq and its rivals expect record numbers at regional airports.",
        ),
    ),
)

FIRST_POST: Final = (
    "Just watched Skylarq staff drag a man off our plane at Manchester because the flight "
    "was overbooked. He was bleeding. Whole cabin in shock. This is disgusting @skylarqair"
)
STATEMENT: Final = (
    "We are aware of a video of an incident on board flight SQ418 at Manchester today. "
    "The flight was overbooked and a customer was asked to give up his seat. After he "
    "declined, airport staff were called to help. We are reviewing what happened."
)
APOLOGY: Final = (
    "We are deeply sorry. No customer should ever be treated the way a passenger on SQ418 "
    "was treated yesterday, and we take full responsibility. We have apologised to him "
    "personally, we will no longer ask police or security to remove passengers from "
    "overbooked flights, and the staff involved are on leave while we investigate."
)

_ANGRY: Final = (
    "how is it even legal to drag a paying customer off a plane like that",
    "{brand} just showed everyone how little they think of their passengers",
    "I've watched that video three times and I still feel sick",
    "they smashed his face on an armrest over an overbooked seat. vile",
    "disgusting behaviour from {brand}",
    "that poor man, bleeding in the aisle while everyone filmed",
    "overbook your flights, then beat up the customers. what a business model",
    "this is what happens when greed matters more than people",
    "whoever ordered that should be sacked today",
    "shameful. absolutely shameful",
    "{brand} staff need to answer for this assault",
    "treated like a criminal for sitting in a seat he paid for",
    "violent, humiliating and completely unnecessary",
    "I'm so angry watching this",
    "that was assault, plain and simple",
    "the screaming in that video is horrible",
)
_SARCASTIC: Final = (
    "love the new {brand} boarding process, very hands-on",
    "{brand}: we put the hostile in hospitality",
    "can't wait for the next {brand} ad about 'our people', the hypocrisy is sickening",
    "pay extra for priority boarding, get priority dragging. pathetic",
    "{brand} really going for that 'not on my plane' energy. disgusting",
    "five stars, would get violently removed again",
    "award for worst airline of the year goes to {brand}",
    "'we value every passenger' lol, tell that to the guy with the bloody face",
    "new {brand} slogan: fly with us, leave on a stretcher",
)
_BOYCOTT: Final = (
    "never flying {brand} again, I'd rather swim",
    "just cancelled our family holiday with {brand}",
    "I'd rather pay double than fly with this bunch of bullies",
    "cutting up my {brand} card today",
    "how do I get a refund, I refuse to give them another penny",
    "boycott them until someone is held accountable",
    "deleting the {brand} app. done with them",
)
_SPREADING: Final = (
    "has everyone seen the {brand} video? horrifying",
    "the video from the Manchester flight is everywhere",
    "my whole timeline is this {brand} video and it's awful",
    "just saw the clip, what on earth",
    "someone on the plane filmed the whole thing, it's horrible to watch",
    "this is trending and it should be",
)
_COMPANY: Final = (
    "where is the statement, {brand}?",
    "hours later and {brand} says nothing. cowards",
    "@skylarqair are you going to apologise to that man or not?",
    "who signed off on calling security for an overbooked seat? shameful",
    "the silence from {brand} is deafening",
)
_DOUBT: Final = (
    "he was told to leave and refused, what did he expect",
    "still ugly but we don't know the full story yet",
    "airport security did that, not the cabin crew",
)
_AFTER_STATEMENT: Final = (
    "'asked to give up his seat'? he was dragged out bleeding, stop lying",
    "that statement is an insult to everyone who watched the video",
    "'reviewing what happened'? we all saw what happened",
    "not one word of apology. pathetic",
    "a statement written by lawyers, zero humanity",
    "they're actually blaming the passenger",
    "worst corporate statement I've ever read",
)
_AFTER_APOLOGY: Final = (
    "a day late, but at least it's an actual apology",
    "sorry only because the shares dropped",
    "good that they apologised, the first statement was awful",
    "too little, too late",
    "apology noted, still not flying with them",
    "they only said sorry once the whole world saw it",
)

_MOODS: Final = {
    "angry": _ANGRY, "sarcastic": _SARCASTIC, "boycott": _BOYCOTT, "spreading": _SPREADING,
    "company": _COMPANY, "doubt": _DOUBT, "statement": _AFTER_STATEMENT,
    "apology": _AFTER_APOLOGY,
}  # fmt: skip
_WEIGHTS: Final = {
    "angry": 34, "sarcastic": 12, "boycott": 14, "spreading": 12, "company": 10, "doubt": 4,
}  # fmt: skip
_OPENINGS: Final = (
    "", "", "", "", "", "Wow.", "Horrible.", "What the hell.", "Sickening.", "Seriously?",
    "I'm shaking.", "Just saw it.", "No words.", "WTF.", "Appalling.",
)  # fmt: skip
_CLOSINGS: Final = (
    "", "", "", "", "Shame on you.", "Disgusting.", "Sack them all.", "Never again.",
    "Absolutely vile.", "Share this everywhere.", "Shameful.",
)  # fmt: skip

VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods=_MOODS,
    weights=_WEIGHTS,
    openings=_OPENINGS,
    closings=_CLOSINGS,
    hashtags=("#skylarq", "#boycottskylarq", "#SQ418", "#overbooked", "#NotOnMyPlane"),
    emoji=("😡", "🤬", "👎", "😤", "🙄", "🤦", "😱", "💔", "🤮"),
    agreeing=("This.", "Exactly.", "100%.", "Couldn't agree more.", "Same.", "Spot on.", "Yep."),
)

#: Weights of the moods once the first statement is out, and once the apology is.
AFTER_STATEMENT: Final = {**VOICES.weights, "statement": 28}
AFTER_APOLOGY: Final = {**VOICES.weights, "apology": 30, "angry": 18}

#: A few posts in other languages: the video travels.
FOREIGN: Final = (
    ("Vergonzoso lo que hizo Skylarq con ese pasajero. Nunca más.", "es"),
    ("Ce que Skylarq a fait à ce passager est honteux.", "fr"),
    ("Unfassbar, wie Skylarq mit diesem Passagier umgeht.", "de"),
    ("Il video di Skylarq è terribile, che vergogna.", "it"),
    ("Horrível o vídeo da Skylarq, que vergonha.", "pt"),
)

HEADLINES: Final = (
    ("Video shows passenger dragged from overbooked Skylarq flight",
     "Footage filmed by other passengers at Manchester spreads rapidly online."),
    ("Skylarq Airways faces backlash over passenger removal",
     "The airline says the flight was overbooked and it is reviewing the incident."),
    ("'He was bleeding': passengers describe scene on Skylarq flight SQ418",
     "Witnesses say airport security were called after a man refused to give up his seat."),
    ("Skylarq statement criticised as 'tone deaf'",
     "Communication experts say the airline's first response made things worse."),
    ("Overbooking: what are your rights when an airline bumps you?",
     "After the Skylarq video, a look at the rules on denied boarding."),
    ("Skylarq shares fall after video of passenger removal",
     "The carrier lost a slice of its market value in early trading."),
)  # fmt: skip
LATE_HEADLINES: Final = (
    ("Skylarq chief apologises: 'we take full responsibility'",
     "The airline says it will stop using security to remove passengers from overbooked flights."),
    ("Skylarq's apology comes a day late, say critics",
     "The airline changes its policy on overbooked flights after the viral video."),
)  # fmt: skip
