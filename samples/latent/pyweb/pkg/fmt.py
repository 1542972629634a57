from .units import unit


def render(values):
    return '; '.join(f'{k}={v}{unit(k)}' for k, v in sorted(values.items()))
