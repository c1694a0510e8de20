#!/usr/bin/perl
# Score each message file with SpamAssassin's local rules (no network tests):
# one line per file, "path<TAB>score<TAB>rules hit".
use strict;
use warnings;
use Mail::SpamAssassin;

my $sa = Mail::SpamAssassin->new({ local_tests_only => 1, dont_copy_prefs => 1 });
for my $path (@ARGV) {
    open my $fh, '<', $path or die "$path: $!";
    my $text = do { local $/; <$fh> };
    my $mail = $sa->parse($text);
    my $status = $sa->check($mail);
    printf "%s\t%.2f\t%s\n", $path, $status->get_score, $status->get_names_of_tests_hit;
    $status->finish;
    $mail->finish;
}
