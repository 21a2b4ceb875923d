"""How a package and its timeline read in a terminal (shared by `orders show` and `track`)."""

from rich.console import Console


def short_time(iso: str | None) -> str:
    """'2026-11-27T10:00:00+08:00' → '2026-11-27 10:00'."""
    return iso[:16].replace("T", " ") if iso else "—"


def print_package(out: Console, package: dict, heading: str) -> None:
    """A package as ``orders.details.package_data`` gives it: heading, FAQ note, newest event first."""
    out.print(f"{heading}  状态 [bold]{package['status_label']}[/]")
    if package["note"]:
        out.print(f"  [yellow]{package['note']}[/]")
    for event in package["events"]:
        courier = f"  快递员 {event['courier_name']} {event['courier_phone']}" if event["courier_name"] else ""
        out.print(f"  {short_time(event['time'])}  {event['status_label']:<5}  {event['description']}"
                  f"  [dim]{event['location']}{courier}[/]")
