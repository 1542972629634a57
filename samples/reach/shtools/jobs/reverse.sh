#!/bin/sh
# a job: reversed lines
printf 'one\ntwo\n' | tac | rev
