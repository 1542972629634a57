package Ledger::Format::Json;
use strict;
use warnings;
use JSON::PP ();
sub new { bless {}, shift }
sub render { my (undef, $rows) = @_; JSON::PP->new->canonical->encode([map { { what => $_->[0], amount => $_->[1] } } @$rows]) . "\n" }
1;
