"""blogger: one widely read author turns on a mobile network, and a few people agree.

Synthetic data for testing, not real posts: Tellomo Mobile is a fictional UK network and
every author and text is invented. Two ordinary days give the baseline; then a consumer
blogger with several hundred thousand followers posts a furious verdict on the network
(no signal, dropped calls, a broken price promise, a wrong bill: each variant has its
own). What follows is no burst: over the next day a few more people an hour than usual
say the same, many of them answering the blogger, and the brand answers the blogger an
hour or so later. The page must come from the reach of the
one post, measured from it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Voices, crowd_post, naming
from listener.replay.scenarios.everyday import Mix, draw_scale, ordinary_traffic, prior
from listener.replay.scenarios.people import ENGLISH as ENGLISH_PEOPLE
from listener.replay.scenarios.people import Author
from listener.replay.scenarios.posts import Scene, comment, forum_post, x_post
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.talk import ENGLISH, Talk
from listener.replay.scenarios.timing import LONDON, arrivals, bump

NAME: Final = "blogger"
ACCOUNTS: Final = kit.accounts("tellomomobile", "Tellomo Mobile", "tellomo", (210_000, 95_000))
NAMES: Final = ("Tellomo", "Tellomo", "Tellomo Mobile", "@tellomo", "#tellomo")
FORUM: Final = "mobilenetworks"
#: The blogger's X account: a consumer-tech blog with a large following (invented).
BLOG_ID: Final = "7310558214"
BLOG_HANDLE: Final = "signalbarsblog"

TALK: Final = Talk(
    register=ENGLISH,
    brand=NAMES,
    address="@tellomo",
    places=(
        "Leeds",
        "Cardiff",
        "Norwich",
        "Bristol",
        "Glasgow",
        "Brighton",
        "York",
        "Derby",
        "Swansea",
        "Reading",
        "Exeter",
        "Hull",
    ),
    questions=(
        "how do I get my PAC code to switch my number over?",
        "is 5G coming to {city} this year?",
        "can I use my data allowance in Spain at no extra cost?",
        "how long does a SIM swap take if my phone is stolen?",
        "does the unlimited plan include hotspot?",
        "can I add my daughter to my plan as a second line?",
        "what's the cheapest SIM only deal at the moment?",
        "when does my contract end, the app doesn't show it",
        "do you do wifi calling on older phones?",
        "can I cap my bill so I never go over?",
        "how do I turn off premium rate texts?",
        "is there a student discount?",
    ),
    complaints=(
        "no signal at all in {city} centre for {n} days now",
        "my bill went up again and nobody told me",
        "held for 45 minutes then the line went dead",
        "data is painfully slow every evening",
        "you charged me roaming in Belfast, which is in the UK",
        "the app keeps logging me out",
        "calls drop every time I get on the train to {city}",
        "three weeks waiting for a replacement SIM",
    ),
    praise=(
        "switched last month and the signal in {city} is brilliant",
        "the chat support sorted my bill in five minutes, thanks",
        "best value plan I've found, happy customer",
        "roaming in Italy worked perfectly, thank you",
        "great coverage on the coast this weekend",
    ),
    mentions=(
        "finally switched to {brand}, let's see how it goes",
        "{brand} signal on the M4 is surprisingly decent",
        "anyone on {brand} in {city}? how's the coverage",
        "{brand} customer service actually answered in 2 minutes today",
        "new phone day, {brand} SIM in and working",
        "thinking of moving to {brand}, worth it?",
        "{brand} data down for anyone else or just me?",
    ),
    page_posts=(
        "Unlimited data, no annual price rise: our new SIM only plans start at £15 a month.",
        "Heading abroad? Roam like home in 50 destinations at no extra cost ✈️",
        "We've switched on new masts in Leeds, Derby and Norwich this week.",
        "Top tip: turn on wifi calling for better calls indoors.",
        "Refer a friend and you both get three months at half price.",
    ),
    news=(
        (
            "Tellomo Mobile adds 40,000 customers in a quarter",
            "The challenger network says its SIM only plans drove the growth.",
        ),
        (
            "Mobile coverage report: how the networks compare",
            "Tellomo trails the biggest operators in rural areas but leads on price.",
        ),
        (
            "Tellomo to switch off its 3G network by 2020",
            "Customers on older phones will be offered upgrades.",
        ),
    ),
)

#: The blogger's post and the brand's answer to it, one pair per variant: the same rage
#: about the network, over other grievances. The first is the one the rules were tuned on.
BIG_POSTS: Final = (
    (
        "I've had it with Tellomo. Three weeks of no signal at home, six calls, 40 minutes on "
        "hold each time, and today I'm told it's 'working as designed'. Paying £45 a month for "
        "a network that simply doesn't work is a disgrace. Full, honest write-up on the blog. "
        "@tellomo you should be embarrassed.",
        "@signalbarsblog We're really sorry, this isn't the service we want you to have. Our "
        "network team is looking at the coverage at your address today and we've sent you a DM.",
    ),
    (
        "Tellomo sold me a plan with 'no annual price rise' and has just put my bill up £7 a "
        "month, announced in a text at midnight. When I complained they said I could pay £180 "
        "to leave. That isn't a deal, it's a trap, and it's shameful. I've put every message "
        "on the blog. @tellomo this is disgraceful.",
        "@signalbarsblog We're sorry, you're right to expect the price you signed up for. "
        "We're looking at your bill today and have sent you a DM to put it right.",
    ),
    (
        "Four days with no data at all on Tellomo while I was working away, then a £212 "
        "roaming bill for a country that's meant to be included. Nine hours of chat, four "
        "agents, zero help, and the charge is still there. Worst customer service I have ever "
        "dealt with. Avoid. Everything is on the blog. @tellomo",
        "@signalbarsblog We're really sorry about your data and that bill. The charge "
        "shouldn't be there: we're looking at it today and have sent you a DM.",
    ),
    (
        "Every single call I make on Tellomo drops within a minute. Two SIM swaps, a new phone, "
        "a 'network fault' ticket closed without a fix and an engineer visit that never "
        "happened. I run a business from this phone and I'm losing clients. Useless, and "
        "nobody at @tellomo cares. Full review on the blog.",
        "@signalbarsblog We're sorry, dropped calls like that aren't acceptable. Our network "
        "team is reopening the fault today and we've sent you a DM.",
    ),
    (
        "Tellomo took £390 from my account after I'd cancelled, then set debt collectors on me "
        "for a bill I had already paid. Five complaints, no reply, and now a letter threatening "
        "my credit rating. Absolutely disgraceful. I'm going to the ombudsman and every detail "
        "is on the blog. @tellomo",
        "@signalbarsblog We're very sorry. We've stopped any collection while we look at your "
        "account today, and we've sent you a DM.",
    ),
)

_AGREE: Final = (
    "same here, no signal at home for weeks and they keep saying there's no fault",
    "this is exactly my experience with {brand}, awful",
    "someone with a big audience finally said it, {brand} has been awful for months",
    "{brand} customer service is a disgrace, 50 minutes on hold yesterday",
    "left {brand} last year for the same reason, their network is a joke and not a funny one",
    "their coverage map is pure fiction, I feel lied to",
    "I pay for 4G and get nothing in my own kitchen",
    "'working as designed' is what they told me too. useless",
    "my contract ends in March and I'm gone, worst network I've been on",
    "seriously considering leaving {brand} after reading that, sick of paying for nothing",
    "the signal has been terrible since the summer",
    "cheap plan, terrible network, you get what you pay for",
)
_PILE_ON: Final = (
    "read the blog post, every word is true and it's depressing",
    "@signalbarsblog you're not alone, thousands of us are stuck with this rubbish and angry",
    "@signalbarsblog keep going, {brand} ignore normal customers and it's shameful",
    "shared the blog post, {brand} needs to hear how bad it is",
    "the comments under that post are full of the same horror stories",
)
VOICES: Final = Voices(
    register=ENGLISH,
    names=NAMES,
    moods={"agree": _AGREE, "pile_on": _PILE_ON},
    weights={"agree": 3, "pile_on": 1},
    openings=("", "", "", "", "This.", "Same.", "Ugh.", "Sadly,"),
    closings=("", "", "", "Terrible.", "Not good enough.", "Fed up.", "So frustrating."),
    hashtags=("#tellomo", "#nosignal"),
    emoji=("😤", "🙄", "😡", "👎", "📵"),
    second_share=0.25,
)


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(
        ACCOUNTS, "tellomo", "Tellomo Mobile", "en", per_hour, terms=("tellomo", "tellomo mobile")
    )


def build(seed: int) -> Scenario:
    """One variant: the day and hour of the post, what it rages about (the seed picks one
    of the written posts in turn), the blogger's reach, how many agree."""
    rng = kit.seeded(NAME, seed)
    scale = draw_scale(rng)
    start = datetime(2017, 10, 1 + rng.randint(0, 3), tzinfo=LONDON)
    onset = (start + timedelta(days=2, hours=rng.uniform(8.5, 20.5))).replace(microsecond=0)
    end = onset + timedelta(hours=rng.uniform(28.0, 34.0))
    blog = Author(BLOG_ID, BLOG_HANDLE, rng.randint(300_000, 500_000))
    scene = kit.scene(rng, 102, ACCOUNTS, ENGLISH_PEOPLE)
    everyday = kit.everyday(
        TALK,
        ACCOUNTS,
        7.0 * rng.uniform(0.8, 1.2),
        Mix(page=0.35, x=0.5, forum=FORUM),
        news_share=0.3,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    said, answered = BIG_POSTS[(seed - 1) % len(BIG_POSTS)]
    big = x_post(scene, onset, said, "en", blog)
    answer_at = onset + timedelta(minutes=rng.uniform(45.0, 110.0))
    answer = x_post(scene, answer_at.replace(microsecond=0), answered, "en", ACCOUNTS.x, big.id)
    # A few more people an hour than usual, for about a day: no burst.
    extra = bump(onset + timedelta(minutes=5), 90.0, 3.5 * scale, 600.0)
    times = arrivals(rng, onset + timedelta(minutes=5), end, extra)
    agreeing = [_agreeing(scene, when, big, traffic.page_posts) for when in times]
    return kit.synthetic(
        NAME,
        "Tellomo Mobile: a blogger with a large audience says the network does not work",
        seed,
        brand(prior(traffic, start, onset)),
        Expected("influential-critic", 5, anchor=onset),
        traffic.posts,
        [big, answer, *agreeing],
    )


def _agreeing(scene: Scene, when: datetime, big: Post, page_posts: list[Post]) -> Post:
    """Someone who agrees: answering the blogger on X, on the forum, or under the page."""
    rng = scene.rng
    text = crowd_post(rng, VOICES)
    roll = rng.random()
    if roll < 0.6:
        answering = big.id if rng.random() < 0.6 else None
        named = naming(rng, text, NAMES)
        return x_post(scene, when, named, "en", in_reply_to=answering)
    if roll < 0.8 or not page_posts:
        return forum_post(scene, when, naming(rng, text, NAMES), FORUM)
    latest = [post for post in page_posts if post.created_at <= when] or page_posts
    return comment(scene, when, text, scene.facebook_people.pick(), (latest[-1].id, None))


ENTRY: Final = Entry(NAME, "a blogger with a large audience slams a network (English)", build)
