"""listener backtest: every scenario of the library through the real pipeline, each
judged against the outcome its crisis team expects.

Each scenario is built for each seed and replayed through an embedded broker, a real
worker process and the rules directory given. Scenarios of one seed about different
brands share runs, up to --max-minutes brand-minutes each (their posts merged in
event-time order, brands.yaml listing every brand of the run); scenarios that would
disturb each other (the same brand, posts naming the other's brand, the same post keys)
get runs of their own. Runs are independent: --jobs of them go at once. Nobody real is
notified: the rules copy has no notifiers.yaml, and what people would have been sent is
read from the notifications the incident engine decided.

Definitions:

  page           a notification asking people to act (an incident opened, escalated,
                 reminded, raised for the brand's silence, or a failed delivery passed
                 on) while the incident's severity is warning or above. An info
                 notice pages nobody and is not a page.
  first page     the brand's earliest page, in event time (the brand's local time),
                 with the rule of the alert it showed and the incident's risk and
                 severity when it was sent (the incidents column gives final risks).
  minutes after  from the scenario's anchor when it has one, else from its onset.
  incidents      every incident opened for the brand, paged or not, by final risk.
  false page     in a no-page scenario, any page; in a crisis scenario, a page
                 before the onset (or anchor).
  messages       per person, in the six hours from the first page of the brand's
                 first incident that paged, while that incident was unacknowledged:
                 one per notification of the brand's incidents (pages and news) and
                 channel of the person in owners.yaml.
  silence        whether a level was paged because the brand stayed silent
                 (a page of kind brand_silent).
  own account    for a scenario about an own account: an alert quotes a post of that
                 account (its own_posts or samples), or an incident record names it.
  pass (crisis)  no false page; exactly one incident paged; its final risk is the
                 expected one; its first page came within the expected minutes; the
                 own account named when asked; the silence escalated, or did not, as
                 asked.
  pass (no page) no page at all.

Each run also writes its report (report.html, the alerts and incidents as JSON and CSV,
run.json) into <out>/batch-N/report/, unless --no-report; `listener report
<out>/batch-N/report` adds a PNG per incident.

With --against DIR, the same scenarios run with the rules of --rules (A) and of DIR (B),
each into <out>/A and <out>/B, and the two are shown side by side, a line marked * where
they differ, and written to <out>/compare.html (the better cell green, the worse red) and
<out>/compare.json:

  earlier        the set whose first page came first (within half a minute: same); a set
                 that paged when the other did not is earlier.
  false A, B     false pages of each set.
  missed A, B    a crisis scenario nobody was paged for.
  msgs A, B      the most messages one person got (see messages).

The exit status is 0 only when every row passes (with --no-fail, always 0 once the
runs completed; with --against, always 0 once both completed), 2 when the backtest could
not run.
"""

# Only the command line here: the runner (broker, worker, Kafka clients) is imported when
# the command runs, so building the ``listener`` parser stays cheap.
from listener.replay.backtest.cli import add_parser

__all__ = ["add_parser"]
