# A notes tool. `count` (the image's default run) counts the notes; `export` prints them as
# YAML (psych's C extension requires its Ruby parts by name); `top` ranks the notes' lines
# through a shell pipeline (every stage of it is a program the slim image needs).
NOTES = '/srv/notes'

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
else
  warn "usage: notes.rb count|export|top"
  exit 2
end
