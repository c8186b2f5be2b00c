"""Reading history CSVs for simulation: column mapping, joins, outcomes files, and errors that
name the file, the line and the column."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadroute.domain.errors import InvalidInput
from leadroute.simulate.history import NO_SEGMENT, HistorySpec, read_history
from leadroute.simulate.history_tables import Join, parse_join

PIPELINE = """\
opportunity,agent,account,stage,opened,closed,value
o1,Ana Souza,Acme,Won,2017-03-02,2017-03-20,1200
o2,Bob Stone,Globex,Lost,2017-03-01,2017-03-05,
o3,Ana Souza,,Engaging,2017-03-03,,
o4,Bob Stone,Acme,Prospecting,,,
o5,Bob Stone,Initech,won,2017-03-01T15:30:00+02:00,2017-04-01,99.5
"""
ACCOUNTS = """\
account,sector,office_location
Acme,retail,United States
Globex,software,Germany
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def spec(tmp_path: Path, **overrides: object) -> HistorySpec:
    """The pipeline file mapped as a Maven-like CRM export, joined to its accounts."""
    values: dict[str, object] = {
        "path": tmp_path / "pipeline.csv",
        "at_column": "opened",
        "id_column": "opportunity",
        "rep_column": "agent",
        "result_column": "stage",
        "won_values": ("Won",),
        "lost_values": ("Lost",),
        "amount_column": "value",
        "closed_column": "closed",
        "segments": ("sector",),
        "fields": (("office_location", "country"), ("sector", "industry")),
        "joins": (Join(path=tmp_path / "accounts.csv", key="account"),),
        "timezone": ZoneInfo("America/New_York"),
    }
    if "path" not in overrides:
        write(tmp_path, "pipeline.csv", PIPELINE)
    if "joins" not in overrides:
        write(tmp_path, "accounts.csv", ACCOUNTS)
    values.update(overrides)
    return HistorySpec(**values)  # type: ignore[arg-type]


def test_columns_map_to_arrivals_in_time_order(tmp_path: Path) -> None:
    history = read_history(spec(tmp_path))
    # o2 opened at midnight in New York (05:00 UTC), o5 at 13:30 UTC the same day.
    assert [a.id for a in history.arrivals] == ["o2", "o5", "o1", "o3"]
    o2, o5, o1, o3 = history.arrivals
    assert o1.at == datetime(2017, 3, 2, tzinfo=ZoneInfo("America/New_York"))
    assert o5.at == datetime(2017, 3, 1, 13, 30, tzinfo=UTC)  # its own offset is kept
    assert o1.payload == {
        "id": "o1",
        "source": "history",
        "country": "United States",
        "industry": "retail",
    }
    assert (o1.rep, o1.result, o1.amount, o1.segment) == ("Ana Souza", "won", 1200.0, "retail")
    assert o1.closed_at == datetime(2017, 3, 20, tzinfo=ZoneInfo("America/New_York"))
    assert (o2.result, o2.amount, o2.segment) == ("lost", None, "software")
    assert (o3.result, o3.closed_at, o3.segment) == (None, None, NO_SEGMENT)
    assert o5.result == "won"  # won values match without regard to case
    assert history.rows == 5
    assert history.without_time == 1
    assert history.has_results


def test_a_join_counts_rows_it_found_no_match_for(tmp_path: Path) -> None:
    history = read_history(spec(tmp_path))
    # o3 has no account, o5's Initech is not in accounts.csv.
    assert list(history.unmatched.values()) == [2]
    assert "accounts.csv" in next(iter(history.unmatched))


def test_limit_keeps_the_first_arrivals_in_time_order(tmp_path: Path) -> None:
    history = read_history(spec(tmp_path, limit=2))
    assert [a.id for a in history.arrivals] == ["o2", "o5"]


def test_rows_found_in_the_outcomes_file_are_won_and_the_others_lost(tmp_path: Path) -> None:
    leads = write(tmp_path, "mql.csv", "mql_id,first_contact,origin\nm1,2018-01-02,paid\n")
    with leads.open("a", encoding="utf-8") as handle:
        handle.write("m2,2018-01-01,social\nm3,2018-01-03,\n")
    deals = write(tmp_path, "deals.csv", "mql_id,sdr_id,won_date\nm1,sdr7,2018-01-20 10:00:00\n")
    history = read_history(
        HistorySpec(
            path=leads,
            at_column="first_contact",
            id_column="mql_id",
            rep_column="sdr_id",
            closed_column="won_date",
            segments=("origin",),
            fields=(("origin", "origin"),),
            outcomes=deals,
            source="olist",
        )
    )
    found = {a.id: a for a in history.arrivals}
    assert (found["m1"].result, found["m1"].rep) == ("won", "sdr7")
    assert found["m1"].closed_at == datetime(2018, 1, 20, 10, tzinfo=UTC)
    assert (found["m2"].result, found["m2"].rep, found["m2"].closed_at) == ("lost", None, None)
    assert found["m3"].segment == NO_SEGMENT
    assert found["m2"].payload == {"id": "m2", "source": "olist", "origin": "social"}


def test_a_missing_column_names_the_file_the_line_and_a_near_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_history(spec(tmp_path, at_column="openned"))
    assert caught.value.source.endswith("pipeline.csv")
    text = str(caught.value)
    assert "pipeline.csv: line 1: --at-column: no column 'openned'" in text
    assert "did you mean 'opened'?" in text


def test_a_column_a_join_adds_is_not_missing(tmp_path: Path) -> None:
    history = read_history(spec(tmp_path, segments=("office_location",)))
    segments = {a.id: a.segment for a in history.arrivals}
    assert segments == {"o1": "United States", "o2": "Germany", "o3": NO_SEGMENT, "o5": NO_SEGMENT}
    with pytest.raises(InvalidInput, match="--segment: no column 'secter'"):
        read_history(spec(tmp_path, segments=("secter",)))


def test_a_bad_date_names_the_file_the_line_and_the_column(tmp_path: Path) -> None:
    broken = PIPELINE.replace("2017-03-01,2017-03-05", "2017-13-01,2017-03-05")
    write(tmp_path, "accounts.csv", ACCOUNTS)
    with pytest.raises(InvalidInput) as caught:
        read_history(spec(tmp_path, path=write(tmp_path, "bad.csv", broken)))
    assert str(caught.value) == (
        f"{tmp_path / 'bad.csv'}: line 3, column 'opened': '2017-13-01' is not a date or time "
        "(ISO 8601, e.g. 2017-03-01 or 2017-03-01T09:30)"
    )


def test_a_date_format_reads_other_dates(tmp_path: Path) -> None:
    text = "id,when\na,03/02/2017 09:15\nb,03/01/2017 10:00\n"
    history = read_history(
        HistorySpec(
            path=write(tmp_path, "us.csv", text),
            at_column="when",
            id_column="id",
            date_format="%m/%d/%Y %H:%M",
        )
    )
    assert [a.at for a in history.arrivals] == [
        datetime(2017, 3, 1, 10, tzinfo=UTC),
        datetime(2017, 3, 2, 9, 15, tzinfo=UTC),
    ]
    assert not history.has_results


def test_a_bad_value_in_a_joined_column_says_where_it_came_from(tmp_path: Path) -> None:
    accounts = write(tmp_path, "accounts.csv", "account,since\nAcme,long ago\n")
    with pytest.raises(InvalidInput) as caught:
        read_history(
            spec(
                tmp_path,
                closed_column="since",
                segments=(),
                fields=(),
                joins=(Join(path=accounts, key="account"),),
            )
        )
    text = str(caught.value)
    assert f"line 2, column 'since' (joined from {accounts}): 'long ago' is not a date" in text


def test_a_bad_amount_and_a_repeated_id_are_each_listed(tmp_path: Path) -> None:
    broken = PIPELINE.replace(",1200\n", ",12OO\n") + "o1,Ana Souza,Acme,Won,2017-05-01,,\n"
    write(tmp_path, "accounts.csv", ACCOUNTS)
    with pytest.raises(InvalidInput) as caught:
        read_history(spec(tmp_path, path=write(tmp_path, "bad.csv", broken)))
    paths = [problem.path for problem in caught.value.problems]
    assert paths == ["line 2, column 'value'", "line 7, column 'opportunity'"]
    assert "'12OO' is not a number" in str(caught.value)
    assert "lead id 'o1' repeats line 2" in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    write(tmp_path, "accounts.csv", ACCOUNTS)
    with pytest.raises(InvalidInput) as caught:
        read_history(spec(tmp_path, path=tmp_path / "nowhere.csv"))
    assert caught.value.source == str(tmp_path / "nowhere.csv")
    assert "cannot read" in str(caught.value)


def test_outcomes_need_an_id_column(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="--outcomes: needs --id-column"):
        read_history(spec(tmp_path, id_column=None, outcomes=tmp_path / "deals.csv"))


def test_a_join_is_file_colon_key() -> None:
    assert parse_join("C:/data/accounts.csv:account") == Join(
        path=Path("C:/data/accounts.csv"), key="account"
    )
    with pytest.raises(InvalidInput, match=r"expected FILE\.csv:KEY_COLUMN"):
        parse_join("accounts.csv")
