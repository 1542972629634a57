module Formats
  def self.csv(notes) = notes.map { |n, t| "#{n},#{t.lines.size}" }.join("\n")
end
