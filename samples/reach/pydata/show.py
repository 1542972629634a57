# `hello` (the default run) imports nothing of the two libraries' lazily loaded parts.
# `hl LANG`: pygments finds the lexer module in its own table of module names
# (pygments/lexers/_mapping.py) and imports it by that name; `money LOCALE` / `date LOCALE`:
# babel reads its CLDR data from files beside its modules (os.path.dirname(__file__));
# `report KIND`: the app's own package reads a template through importlib.resources.
import datetime
import sys

cmd = sys.argv[1] if len(sys.argv) > 1 else 'hello'
arg = sys.argv[2] if len(sys.argv) > 2 else ''
if cmd == 'hello':
    print('hello')
elif cmd == 'hl':
    from pygments import highlight
    from pygments.formatters import get_formatter_by_name
    from pygments.lexers import get_lexer_by_name
    print(highlight('x = 1', get_lexer_by_name(arg), get_formatter_by_name('html')).strip())
elif cmd == 'money':
    from babel.numbers import format_currency
    print(format_currency(1234.5, 'EUR', locale=arg))
elif cmd == 'date':
    from babel.dates import format_date
    print(format_date(datetime.date(2020, 1, 1), format='full', locale=arg))
elif cmd == 'report':
    sys.path.insert(0, '/app')
    from reports import summary
    print(summary(arg))
else:
    sys.exit(f'unknown command {cmd}')
