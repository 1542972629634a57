#!/usr/bin/perl
# Sales report: totals per region and the notes wrapped to 40 columns.
use strict;
use warnings;
use POSIX qw(floor);
use List::Util qw(sum max);
use Text::Wrap qw(wrap $columns);
use File::Basename qw(basename);
use lib '/app/lib';
use Sales qw(read_sales);

my $file = shift @ARGV;
my @rows = read_sales($file);
my %total;
$total{$_->{region}} += $_->{amount} for @rows;
print 'report of ', basename($file), "\n";
printf "%-6s %8.2f\n", $_, $total{$_} for sort keys %total;
printf "sum %d max %.2f\n", floor(sum(map { $_->{amount} } @rows)), max(map { $_->{amount} } @rows);
$columns = 40;
print wrap('- ', '  ', $_->{note}), "\n" for grep { length($_->{note}) > 30 } @rows;
