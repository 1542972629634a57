package Sales;
# Reads the sales CSV (region,amount,note) of the report job.
use strict;
use warnings;
use Exporter qw(import);
our @EXPORT_OK = qw(read_sales);

sub read_sales {
    my ($file) = @_;
    open my $fh, '<', $file or die "open $file: $!";
    my $header = <$fh>;
    my @rows;
    while (my $line = <$fh>) {
        chomp $line;
        my ($region, $amount, $note) = split /,/, $line, 3;
        push @rows, { region => $region, amount => $amount, note => $note };
    }
    return @rows;
}
1;
