module Shout
  def self.call(notes) = notes.keys.map(&:upcase).join(' ')
end
