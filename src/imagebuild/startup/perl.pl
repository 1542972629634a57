# What Perl loaded at startup (run with -e by src/imagebuild/startup.ts): f FILE for each of %INC.
print "f $_\n" for values %INC
