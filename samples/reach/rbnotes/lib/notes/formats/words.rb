module Formats
  def self.words(notes) = notes.map { |n, t| "#{n} #{t.split.size}" }.join("\n")
end
