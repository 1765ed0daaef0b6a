"""What happened to one organisation in one run, told from the run's own events.

The app's "Inside an organisation" tab shows it beside the timeline. Every sentence is
counted from the run's tables (the deployments, the monthly figures, the summary's label);
nothing is read from the scenario's inputs, so two runs of one scenario can tell
different stories.

>>> import genaisim
>>> results = genaisim.simulate("pilot_loop", replications=1, seed=3, years=3)
>>> print(story(results)[0])  # doctest: +ELLIPSIS
This run is labelled *...*...
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from genaisim.results import Results
from genaisim.verdict import LABEL_MEANINGS, millions


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _share(part: int, whole: int) -> str:
    return f"all {whole}" if part == whole and whole > 1 else f"{part} of {whole}"


def _readable(use_case: str, line: int) -> str:
    return f"{use_case.replace('_', ' ')} (business line {int(line) + 1})"


def _pilot_sentences(rows: pd.DataFrame, horizon: int) -> list[str]:
    started = len(rows)
    if started == 0:
        return ["No use case was started: the programme had not begun by the end of the run."]
    live_ever = rows["month_promoted"].notna()
    promoted = int(live_ever.sum())
    abandoned = int((rows["retire_reason"] == "abandoned").sum())
    open_pilots = int((rows["stage"] == "pilot").sum())
    sentences = [
        f"{_count(started, 'use case')} started; {promoted} went live, "
        f"{abandoned} {'was' if abandoned == 1 else 'were'} stopped before going live and "
        f"{open_pilots} {'was' if open_pilots == 1 else 'were'} still a pilot at the end."
    ]
    if promoted:
        months = rows.loc[live_ever, "months_to_production"].astype(float)
        sentences.append(
            f"A pilot that went live took {months.median():.0f} months from its start (the median)."
        )
    old_open = rows[(rows["stage"] == "pilot") & (rows["month_started"] <= horizon - 12)]
    if len(old_open):
        sentences.append(
            f"{_count(len(old_open), 'pilot')} had been open for a year or more at the end "
            "without going live."
        )
    built = rows[live_ever & rows["demo_quality"].notna() & rows["quality_at_go_live"].notna()]
    if len(built):
        demo = built["demo_quality"].astype(float).mean()
        live = built["quality_at_go_live"].astype(float).mean()
        if demo - live >= 0.02:
            sentences.append(
                f"On production data the systems lost quality: {demo:.2f} in the demo, "
                f"{live:.2f} on the day they went live (means): the data was not what the "
                "prototypes were built on."
            )
    return sentences


def _live_sentences(rows: pd.DataFrame) -> list[str]:
    live_ever = rows[rows["month_promoted"].notna()]
    if live_ever.empty:
        return []
    cut = live_ever[live_ever["retire_reason"] == "cut"]
    rolled = live_ever[live_ever["retire_reason"] == "rolled_back"]
    live_now = live_ever[live_ever["stage"] == "production"]
    sentences = [
        f"Of the {len(live_ever)} taken live, {len(cut)} {'was' if len(cut) == 1 else 'were'} "
        f"cut at a budget review, {len(rolled)} rolled back after an incident stayed open, "
        f"and {len(live_now)} {'was' if len(live_now) == 1 else 'were'} live at the end."
    ]
    if len(cut):
        blind = int((~cut["kpis_defined"].astype(bool)).sum())
        if blind:
            sentences.append(
                f"Of those cut, {_share(blind, len(cut))} had no KPIs: they were judged on "
                "their running cost against the share of their value leadership could see."
            )
    if len(rolled):
        technology = int((rolled["owner_kind"] == "technology").sum())
        if technology:
            sentences.append(
                f"Of those rolled back, {_share(technology, len(rolled))} "
                f"{'was' if technology == 1 else 'were'} owned by the technology team rather "
                "than the business unit whose workflow they ran in."
            )
    earners = live_ever.sort_values("net_value", ascending=False)
    best = earners.iloc[0]
    if best["net_value"] > 0:
        sentences.append(
            f"The largest contribution: {_readable(best['use_case'], best['business_line'])}, "
            f"{millions(best['net_value'])} net over its life."
        )
    return sentences


def _foundation_sentences(rows: pd.DataFrame, monthly: pd.DataFrame) -> list[str]:
    sentences = []
    if len(rows):
        owned = int((rows["owner_kind"] == "business_unit").sum())
        measured = int(rows["kpis_defined"].astype(bool).sum())
        sentences.append(
            f"Of the {len(rows)} use cases, {owned} had a business owner and {measured} had "
            "KPIs defined before go-live."
        )
        patches = int(rows["workarounds"].sum())
        fixes = int(monthly["data_fixes"].sum())
        if patches or fixes:
            sentences.append(
                f"Data problems met in production were patched with prompt workarounds "
                f"{_count(patches, 'time')} and fixed at the source {_count(fixes, 'time')}."
            )
    first, last = monthly.iloc[0], monthly.iloc[-1]
    sentences.append(
        f"Data quality went from {first['data_quality']:.2f} to {last['data_quality']:.2f}; "
        f"reviewers' engagement in flagging errors ended at {last['reviewer_engagement']:.2f} "
        f"and the infrastructure mindset at {last['infrastructure_mindset']:.2f} (0 to 1)."
    )
    return sentences


def story(results: Results, replication: int = 0, organisation: int = 0) -> list[str]:
    """Sentences saying how one organisation's programme went in one replication, and why.

    First the label and the money, then the pilots (how many went live, how long it took,
    what production data did to their quality), the live systems (cut, rolled back, still
    live, the largest contribution) and the foundations as they moved.
    """
    summary = results.summary()
    row = summary[
        (summary["replication"] == replication) & (summary["organisation"] == organisation)
    ]
    if row.empty:
        raise ValueError(f"no replication {replication}, organisation {organisation}")
    row = row.iloc[0]
    label = str(row["label"])
    horizon = results.years * 12
    paid = row["months_to_payback"]
    payback = (
        f"it paid back {paid:.0f} months after its first pilot"
        if pd.notna(paid)
        else f"it had not paid back within {results.years} years"
    )
    sentences = [
        f"This run is labelled *{label}*: {LABEL_MEANINGS.get(label, '')}. "
        f"Net value over the last year: {millions(row['net_value_last_year'])}; over the "
        f"whole run: {millions(row['cumulative_net_value'])}, so {payback}."
    ]
    deployments = results.deployments
    rows = deployments[
        (deployments["replication"] == replication) & (deployments["organisation"] == organisation)
    ]
    monthly = results.timeseries[
        (results.timeseries["replication"] == replication)
        & (results.timeseries["organisation"] == organisation)
    ]
    sentences += _pilot_sentences(rows, horizon)
    sentences += _live_sentences(rows)
    sentences += _foundation_sentences(rows, monthly)
    return sentences


def as_markdown(sentences: Sequence[str]) -> str:
    """The story as a bulleted list."""
    return "\n".join(f"- {s}" for s in sentences)
