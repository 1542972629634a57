import textwrap


def render(rows):
    width = max(len(w) for w, _ in rows)
    return textwrap.indent("".join(f"{w:<{width}} {n:>5}\n" for w, n in rows), "| ")
