# A ledger kept in SQLite through DBI. `help` (the default run) loads DBI but never connects;
# `add` and `total` connect, and DBI loads the driver named in the DSN (DBD::SQLite) with a
# require built at run time. `csv`/`json` format the entries with a formatter module chosen by name.
use strict;
use warnings;
use DBI;

my ($cmd, @args) = @ARGV;
$cmd //= 'help';
my $db = $ENV{LEDGER_DB} // '/tmp/ledger.db';

sub dbh {
	my $h = DBI->connect("dbi:SQLite:dbname=$db", '', '', { RaiseError => 1, PrintError => 0 });
	$h->do('CREATE TABLE IF NOT EXISTS entry (what TEXT, amount INTEGER)');
	return $h;
}

if ($cmd eq 'help') {
	print "ledger add WHAT AMOUNT | total | csv | json (DBI $DBI::VERSION)\n";
} elsif ($cmd eq 'add') {
	my $h = dbh();
	$h->do('INSERT INTO entry VALUES (?, ?)', undef, $_, 10 * length $_) for @args;
	my ($n) = $h->selectrow_array('SELECT count(*) FROM entry');
	print "$n entries\n";
} elsif ($cmd eq 'total') {
	my $h = dbh();
	$h->do('INSERT INTO entry VALUES (?, ?)', undef, 'seed', 7);
	my ($sum, $ver) = $h->selectrow_array('SELECT sum(amount), sqlite_version() FROM entry');
	print "total $sum (sqlite $ver)\n";
} elsif ($cmd eq 'csv' || $cmd eq 'json') {
	my $class = "Ledger::Format::\u$cmd";
	eval "require $class; 1" or die $@;
	print $class->new->render([['rent', 700], ['milk', 2]]);
} else {
	die "unknown command $cmd\n";
}
