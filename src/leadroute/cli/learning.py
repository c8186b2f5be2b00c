"""`leadroute train`: fit the predictive lead score on a CSV or on the store's outcomes."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from leadroute.cli.app import app, fail
from leadroute.domain.errors import InvalidInput
from leadroute.learning.options import BEST, DESCRIPTIONS, SPLITS, Split
from leadroute.learning.outcomes import LABEL, OUTCOMES, WON, outcome_table
from leadroute.learning.tables import Table, read_csv
from leadroute.storage.database import connect
from leadroute.storage.tables import LeadRow

if TYPE_CHECKING:
    from leadroute.learning.training import Trained


class AlgorithmChoice(StrEnum):
    LOGISTIC = "logistic"
    BOOSTING = "boosting"
    BEST = BEST


@app.command()
def train(
    out: Annotated[Path, typer.Option(help="Model file to write (joblib with a JSON header).")],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Train on this CSV file (needs --label).")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="Train on the won and lost leads of this database (SQLAlchemy URL)."),
    ] = None,
    label: Annotated[str | None, typer.Option(help="The CSV column holding the outcome.")] = None,
    positive: Annotated[
        str | None, typer.Option(help="The label value that counts as won (default: yes/1/won).")
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="A column to leave out (repeat, or separate by commas)."),
    ] = None,
    sep: Annotated[str, typer.Option(help="CSV field separator.")] = ",",
    algorithm: Annotated[
        AlgorithmChoice, typer.Option(help="Model family; best keeps the higher hold-out AUC.")
    ] = AlgorithmChoice.BEST,
    split: Annotated[
        Split, typer.Option(help="Hold-out: stratified random 20%, or the last 20% of rows.")
    ] = Split.RANDOM,
    seed: Annotated[int, typer.Option(help="Seed of the split, folds and trees.")] = 0,
) -> None:
    """Fit a calibrated model of P(won); print hold-out AUC, calibration and top features; save
    it for `LEADROUTE_MODEL` / `--model` (its probability is the lead field `score_model`)."""
    if (csv_file is None) == (database is None):
        typer.echo("error: give either --csv FILE (with --label) or --database URL", err=True)
        raise typer.Exit(code=1)
    # Imported here so the other commands never load scikit-learn.
    from leadroute.learning.models import save_model  # noqa: PLC0415
    from leadroute.learning.training import train_model  # noqa: PLC0415

    excluded = [name.strip() for item in exclude or () for name in item.split(",") if name.strip()]
    status = Console(stderr=True)
    try:
        if csv_file is not None:
            if label is None:
                typer.echo(
                    f"error: {csv_file}: --label: name the column holding the outcome", err=True
                )
                raise typer.Exit(code=1)
            table, label_column, positive_value = read_csv(csv_file, sep=sep), label, positive
        else:
            table, label_column, positive_value = _stored(str(database)), LABEL, WON
        with status.status("fitting the models…") as spinner:
            trained = train_model(
                table,
                label=label_column,
                positive=positive_value,
                exclude=excluded,
                algorithm=algorithm.value,
                split=split,
                seed=seed,
                progress=spinner.update,
            )
        save_model(trained.model, out)
    except InvalidInput as error:
        raise fail(error) from None
    except OSError as error:
        typer.echo(f"error: {out}: cannot write: {error.strerror}", err=True)
        raise typer.Exit(code=1) from None
    _report(trained, table, split=split, seed=seed, out=out)


def _stored(url: str) -> Table:
    """The won and lost leads of the database at `url`, in arrival order."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        typer.echo(f"error: --database: not a database URL: {url!r}", err=True)
        raise typer.Exit(code=1) from None
    database = connect(url)
    try:
        with database.reading() as session:
            rows = session.execute(
                select(LeadRow.fields, LeadRow.status)
                .where(LeadRow.status.in_(OUTCOMES))
                .order_by(LeadRow.received_at, LeadRow.id)
            ).all()
    except SQLAlchemyError as error:
        typer.echo(
            f"error: {shown}: cannot read the leads ({type(error).__name__}); is it a leadroute "
            "database, migrated with `leadroute migrate`?",
            err=True,
        )
        raise typer.Exit(code=1) from None
    finally:
        database.dispose()
    return outcome_table(((dict(fields), status) for fields, status in rows), source=shown)


def _report(trained: Trained, table: Table, *, split: Split, seed: int, out: Path) -> None:
    chosen = trained.evaluation
    how = f"{SPLITS[split]}, seed {seed}" if split is Split.RANDOM else SPLITS[split]
    held = f"{chosen.rows} held out ({how})"
    echo = typer.echo
    echo(f"Data: {table.source}: {trained.training_rows} rows to fit, {held}")
    echo(
        f"Label: {trained.model.header['label']} = {trained.positive!r} "
        f"({chosen.positives / max(1, chosen.rows):.1%} of the held-out rows)"
        + (f"; {trained.unlabelled} rows without a label skipped" if trained.unlabelled else "")
    )
    echo(f"Features ({len(trained.plan.inputs)}): {', '.join(trained.plan.inputs)}")
    if trained.plan.dropped:
        echo("Dropped: " + ", ".join(f"{name} ({why})" for name, why in trained.plan.dropped))
    for algorithm, evaluation in trained.candidates.items():
        mark = "*" if algorithm is trained.algorithm else " "
        echo(
            f" {mark} {algorithm.value:<9} AUC {evaluation.auc:.3f}  Brier {evaluation.brier:.4f}"
            f"  {DESCRIPTIONS[algorithm]}, calibrated"
        )
    echo(f"AUC: {chosen.auc:.3f}")
    echo(f"Brier: {chosen.brier:.4f}")
    echo("Calibration (held-out rows by decile of predicted probability):")
    echo("  decile   rows  predicted  observed")
    for index, band in enumerate(chosen.reliability, start=1):
        echo(f"  {index:>6} {band.rows:>6} {band.predicted:>10.3f} {band.observed:>9.3f}")
    echo("Top features (drop in hold-out AUC when shuffled):")
    for name, drop in chosen.features:
        echo(f"  {name:<28} {drop:+.4f}")
    if not chosen.features:
        echo("  (no input lowers it measurably: too few held-out rows?)")
    echo(f"Saved {out} (model {trained.model.version})")
