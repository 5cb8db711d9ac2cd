"""Reading the brand's own posts: a care team's answers are on-brand, a hijacker's scam,
insults and strange links are not, and an off-brand post does not count as answering; nor
does the brand's everyday publishing (an offer posted in a wave), where a reply or a
statement does."""

from __future__ import annotations

import orjson
from factories import T0, make_scored

from listener.records import NEGATIVE, POSITIVE, Counted, ScoredBatch
from listener.windows.counting.brand import BrandWindows
from listener.windows.learning.own import OFF_BRAND, OwnHistory, read

#: A care team's usual day: answers at working hours, in Italian, linking to its help pages.
ANSWERS = (
    "Ciao Marco, ci dispiace per il disagio: scrivici in privato e verifichiamo subito.",
    "Buongiorno Anna, trovi tutte le informazioni su https://aiuto.banca.example/carte",
    "Grazie per la segnalazione, abbiamo inoltrato al team. Send us a DM if you prefer.",
)


def history(posts: int = 40) -> OwnHistory:
    own = OwnHistory()
    for n in range(posts):
        at = T0 + (n % 8 + 8) * 3600 + (n // 8) * 86_400  # 08:00 to 15:00, five days
        read(ANSWERS[n % 3], at, "it", 0.3, "it", own)
    return own


def test_a_care_team_answering_reads_on_brand() -> None:
    own = history()
    for n, text in enumerate(ANSWERS):
        reading = read(text, T0 + 6 * 86_400 + 10 * 3600 + 60 * n, "it", 0.2, "it", own)
        assert not reading.off_brand, reading


def test_a_crypto_scam_at_night_reads_off_brand() -> None:
    own = history()
    text = "GIVEAWAY! Send 0.1 BTC to our wallet and get 1 BTC back 🚀 bit.ly/x7"
    reading = read(text, T0 + 6 * 86_400 + 3 * 3600, "en", 0.6, "it", own)
    assert reading.off_brand
    assert {"scam", "shortened link", "language", "unusual hour"} <= set(reading.signs)
    assert reading.score >= OFF_BRAND


def test_insults_from_the_brand_read_off_brand_even_at_a_usual_hour() -> None:
    own = history()
    text = "Our customers are idiots and you can all go to hell"
    reading = read(text, T0 + 6 * 86_400 + 10 * 3600, "en", -0.8, "it", own)
    assert reading.off_brand and "profanity" in reading.signs and "hostile" in reading.signs


def test_an_odd_hour_and_pace_alone_are_not_enough() -> None:
    # A care team answering a crisis at night, many replies in a few minutes: unusual,
    # but nothing it says reads like someone else.
    own = history()
    night = T0 + 6 * 86_400 + 2 * 3600
    readings = [read(ANSWERS[0], night + 60 * n, "it", 0.2, "it", own) for n in range(5)]
    assert not any(r.off_brand for r in readings)
    assert "unusual hour" in readings[0].signs and "burst" in readings[-1].signs


def test_history_survives_a_round_trip() -> None:
    own = history(12)
    assert OwnHistory.from_dict(own.to_dict()) == own


def test_an_off_brand_post_is_quoted_and_does_not_count_as_the_brand_answering() -> None:
    windows = BrandWindows(step=60)
    answer = make_scored("a1", ts=T0 + 60, own=True, compound=0.4, label=POSITIVE,
                         text=ANSWERS[0], lang="it")  # fmt: skip
    scam = make_scored("s1", ts=T0 + 600, own=True, compound=-0.7, label=NEGATIVE, lang="en",
                       text="free crypto giveaway, idiots: send btc to bit.ly/z")  # fmt: skip
    # Received out of order, read in event-time order once the clock passes them.
    assert windows.add(scam) and windows.add(answer)
    assert windows.off_brand_between(T0, T0 + 900) == []
    windows.read_own(T0 + 900, "it")
    assert windows.brand_last_post(T0 + 900) == T0 + 60
    (found,) = windows.off_brand_between(T0, T0 + 900)
    assert found[1].key == scam.post.key and found[0] >= OFF_BRAND
    assert windows.has_posts_between(T0 + 540, T0 + 900)  # judged though nobody else posted
    restored = BrandWindows.from_dict(60, windows.to_dict())
    assert restored.off_brand_between(T0, T0 + 900) == windows.off_brand_between(T0, T0 + 900)


def test_what_the_history_says_does_not_depend_on_the_order_posts_arrive_in() -> None:
    # Two workers may receive the same own posts in other batches and orders (a raw
    # partition each): they must read them alike.
    posts = [
        make_scored(f"o{n}", ts=T0 + 8 * 3600 + 97 * n, own=True, compound=0.3, lang="it",
                    text=ANSWERS[n % 3] if n % 7 else "GIVEAWAY send btc to bit.ly/x")
        for n in range(30)
    ]  # fmt: skip
    one, other = BrandWindows(step=60), BrandWindows(step=60)
    for post in posts:
        one.add(post)
    for post in reversed(posts):
        other.add(post)
    for windows in (one, other):
        windows.read_own(T0 + 24 * 3600, "it")
    assert one.to_dict() == other.to_dict()
    assert one.off_brand  # the scams read off-brand, in both


#: The brand's everyday publishing: what a page posts on any day, scheduled or not.
EVERYDAY = (
    ("Ricarica dall'app e ricevi un giga in regalo.", "it"),
    ("Nuova apertura a Modena: vi aspettiamo sabato con tante offerte!", "it"),
    ("Autumn sale! Fares to over 40 destinations from £39 one way. Book by Sunday", "en"),
    ("We're hiring developers in Leeds and Manchester. Come and build with us.", "en"),
)
#: The brand speaking to people about a trouble, without replying to anyone.
STATEMENTS = (
    ("Siamo a conoscenza del disservizio: i nostri tecnici stanno lavorando.", "it"),
    ("Abbiamo letto i vostri messaggi. Quanto accaduto è inaccettabile.", "it"),
    ("We're aware some of you can't log in. Sorry for the hassle, an update soon.", "en"),
    ("Our CEO's remarks were taken out of context.", "en"),
    ("Our account was accessed by someone else: the posts of last night were not from us.", "en"),
)


def test_a_reply_or_a_statement_answers_people_and_an_offer_does_not() -> None:
    own = history()
    at = T0 + 6 * 86_400 + 10 * 3600
    for n, (text, lang) in enumerate(EVERYDAY):
        reading = read(text, at + 60 * n, lang, 0.5, "it", own)
        assert not reading.answers and not reading.off_brand, text
        # The same words in answer to someone are the brand speaking to them.
        assert read(text, at + 60 * n + 30, lang, 0.5, "it", own, reply=True).answers, text
    for n, (text, lang) in enumerate(STATEMENTS):
        assert read(text, at + 3600 + 60 * n, lang, -0.2, "it", own).answers, text
    # A hijacker replying to people is no answer of the brand's.
    scam = read("claim your free crypto at bit.ly/x", at + 7200, "en", 0.4, "it", own, True)
    assert scam.off_brand and not scam.answers


def test_an_offer_posted_in_a_wave_leaves_the_brand_silent_and_an_answer_ends_it() -> None:
    windows = BrandWindows(step=60)
    offer, lang = EVERYDAY[0]
    windows.add(make_scored("offer", ts=T0 + 120, own=True, compound=0.6, label=POSITIVE,
                            text=offer, lang=lang))  # fmt: skip
    windows.read_own(T0 + 180, "it")
    assert windows.brand_last_post(T0 + 180) is None
    assert windows.own_history.posts == 1  # read for the account's habits all the same
    reply = make_scored("reply", ts=T0 + 300, own=True, text="Ciao Marco, ti scriviamo ora.",
                        lang="it", in_reply_to="comment-7")  # fmt: skip
    windows.add(reply)
    windows.read_own(T0 + 360, "it")
    assert windows.brand_last_post(T0 + 360) == T0 + 300
    # The offer is kept for the alerts to quote (what the brand published in its wave),
    # through a snapshot, until it leaves the windows' horizon.
    assert [p.text for p in windows.published_between(T0, T0 + 360)] == [offer]
    assert windows.published_between(T0 + 180, T0 + 360) == []
    restored = BrandWindows.from_dict(60, orjson.loads(orjson.dumps(windows.to_dict())))
    assert restored.published == windows.published
    restored.evict(T0 + 121)
    assert restored.published == [] and restored.brand_last_post(T0 + 360) == T0 + 300
    older = windows.to_dict()
    del older["pub"]  # a snapshot from before everyday posts were kept
    assert BrandWindows.from_dict(60, older).published == []


def test_own_posts_kept_before_replies_were_told_apart_count_as_answers() -> None:
    # A snapshot's unread own post and a scored row, as the version before wrote them:
    # neither says whether the post was a reply, and each counts as the brand answering,
    # as every own post reading as the brand did then.
    windows = BrandWindows(step=60)
    offer, lang = EVERYDAY[0]
    windows.add(make_scored("offer", ts=T0 + 120, own=True, text=offer, lang=lang))
    data = windows.to_dict()
    data["un"] = [entry[:3] for entry in data["un"]]
    restored = BrandWindows.from_dict(60, data)
    restored.read_own(T0 + 180, "it")
    assert restored.brand_last_post(T0 + 180) == T0 + 120
    scored = make_scored("offer", ts=T0 + 120, own=True, text=offer, lang=lang)
    row = list(Counted.of(scored))
    assert row[-1] is False and len(row) == 16
    message = orjson.dumps({"brand": "acme", "posts": [row[:15]], "watermarks": {}})
    (batch,) = ScoredBatch.loads_many(message)
    (counted,) = batch.posts
    assert isinstance(counted, Counted) and counted.reply


def test_a_post_in_a_language_the_answering_words_do_not_cover_counts_as_an_answer() -> None:
    # The words are English and Italian: a German brand's holding statement must not be
    # read as silence, nor a post whose language was not detected.
    own = history()
    at = T0 + 6 * 86_400 + 10 * 3600
    german = "Wir wissen von der Störung und arbeiten an einer Lösung."
    assert read(german, at, "de", -0.1, "de", own).answers
    assert read("Black Friday! -50%", at + 60, None, 0.3, "it", own).answers
    assert not read("Black Friday! Half price", at + 120, "en", 0.3, "it", own).answers
