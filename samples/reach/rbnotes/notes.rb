# A notes tool. `count` (the image's default run) counts the notes; `export` prints them as
# YAML (psych's C extension requires its Ruby parts by name); `top` ranks the notes' lines
# through a shell pipeline (every stage of it is a program the slim image needs); `formats`
# loads every format plugin found by a glob and uses the one named, `plugin NAME` requires a
# file by a name built at run time from the app's own load path.
NOTES = '/srv/notes'
$LOAD_PATH.unshift '/usr/lib/notes-app'

def notes
  Dir.children(NOTES).sort.to_h { |n| [n, File.read(File.join(NOTES, n)).strip] }
end

case ARGV[0] || 'count'
when 'count' then puts "#{notes.size} notes"
when 'export'
  require 'yaml'
  puts YAML.dump(notes)
when 'top'
  puts `cat /srv/notes/* | sort | uniq -c | sort -rn | head -2`
when 'formats'
  Dir.glob('/usr/lib/notes-app/notes/formats/*.rb').sort.each { |f| load f }
  puts Formats.send(ARGV[1] || 'csv', notes)
when 'plugin'
  require "notes/#{ARGV[1]}"
  puts Object.const_get(ARGV[1].capitalize).call(notes)
else
  warn "usage: notes.rb count|export|top|formats [csv|words]|plugin NAME"
  exit 2
end
