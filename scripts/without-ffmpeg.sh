#!/bin/sh
# Run a command as on a machine without ffmpeg: PATH becomes one temporary folder of links to every program
# on the current PATH except ffmpeg and ffprobe (removing /usr/bin from PATH would also remove node, git, ...).
# Usage: scripts/without-ffmpeg.sh npm test
set -eu
bare=$(mktemp -d "${TMPDIR:-/tmp}/mdl-no-ffmpeg-XXXXXX")
trap 'rm -rf "$bare"' EXIT
IFS=:
for dir in $PATH; do
  [ -d "$dir" ] || continue
  for f in "$dir"/*; do
    name=${f##*/}
    case $name in ffmpeg | ffprobe) continue ;; esac
    [ -x "$f" ] && [ ! -e "$bare/$name" ] && ln -s "$f" "$bare/$name"
  done
done
unset IFS
PATH=$bare "$@"
