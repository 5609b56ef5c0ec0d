import csv
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from review.screening.simulation import (
    OUTPUT_COLUMNS,
    LabelledSetError,
    read_labelled_csv,
    simulate,
)

BAD_TARGET = "--recall-target must be above 0 and at most 1; it is {value}."
BAD_PRIOR = "--prior-{kind} cannot be negative; it is {value}."


class Command(BaseCommand):
    help = (
        "Simulate prioritised screening of a labelled CSV (title, abstract, optional keywords, a 0/1 "
        "label column) with two reviewers who both vote the label, ranking and retraining as the live "
        "queue does; writes step,position,label,stop, one row per record in screening order."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with title, abstract (keywords optional) and the label column")
        parser.add_argument("--label-column", required=True, help="the column holding 1 (include) or 0 (exclude)")
        parser.add_argument("--seed", type=int, default=0, help="seed for the prior records (default 0)")
        parser.add_argument("--prior-includes", type=int, default=1, help="random prior includes (default 1)")
        parser.add_argument("--prior-excludes", type=int, default=1, help="random prior excludes (default 1)")
        parser.add_argument("--recall-target", type=float, default=0.95, help="target of the stopping rule")
        parser.add_argument("-o", "--output", required=True, help="where to write the screening order (CSV)")

    def handle(self, *args, **options):
        target = options["recall_target"]
        if not 0 < target <= 1:
            raise CommandError(BAD_TARGET.format(value=target))
        for kind in ("includes", "excludes"):
            if options[f"prior_{kind}"] < 0:
                raise CommandError(BAD_PRIOR.format(kind=kind, value=options[f"prior_{kind}"]))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            labelled = read_labelled_csv(path, options["label_column"])
            rows = list(
                simulate(
                    labelled.texts, labelled.labels, seed=options["seed"],
                    prior_includes=options["prior_includes"], prior_excludes=options["prior_excludes"],
                    recall_target=target,
                )
            )
        except LabelledSetError as error:
            raise CommandError(str(error)) from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}).") from error
        except csv.Error as error:
            raise CommandError(f"{path}: not a readable CSV ({error}).") from error
        output = Path(options["output"])
        partial = output.with_name(output.name + ".partial")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(OUTPUT_COLUMNS)
            writer.writerows(rows)
        os.replace(partial, output)
        includes = sum(labelled.labels)
        stop = next((row for row in rows if row.stop), None)
        found_at_stop = sum(row.label for row in rows[: stop.step]) if stop else includes
        self.stdout.write(
            f"Screened {len(rows)} records ({includes} includes) into {output}. "
            + (
                f"The stopping rule allowed a stop after {stop.step} records, with {found_at_stop} "
                f"includes found (recall {found_at_stop / includes:.3f})."
                if stop and includes
                else "The stopping rule did not allow a stop before the end."
            )
        )
