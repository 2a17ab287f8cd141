"""The treatment-log and price-list sheets (being written)."""


def analyse_sheet(context, source, plan) -> None:
    raise NotImplementedError


def write(writer, rows) -> None:
    raise NotImplementedError


def after_commit(job) -> None:
    return None


def undo(writer, actor) -> None:
    return None
