# A tiny HTTP server on TCPServer. Only / and /ping are linked; the other routes require what they
# need when they run (C extensions, default gems, encodings, time zones).
require 'socket'

HOME = '<html><body><h1>rubyshell</h1><a href="/ping">ping</a></body></html>'

ROUTES = {
  '/money' => lambda {
    require 'bigdecimal'
    require 'bigdecimal/util'
    total = %w[19.99 5.01 0.105].sum { |s| BigDecimal(s) }
    "total #{total.round(2).to_s('F')} #{'0.1'.to_d + '0.2'.to_d == '0.3'.to_d}"
  },
  '/csv' => lambda {
    require 'csv'
    CSV.generate { |c| c << ['city', 'note']; c << ['Quito', 'has, a comma'] }
  },
  '/json' => lambda {
    require 'json'
    JSON.generate({ 'ok' => true, 'list' => [1, 2.5, nil], 'text' => 'Grüße' })
  },
  '/encode' => lambda {
    %w[Shift_JIS EUC-JP IBM037 Windows-1252].map { |cs|
      text = cs == 'IBM037' || cs == 'Windows-1252' ? 'Grüße' : '日本語'
      "#{cs} #{text.encode(cs).unpack1('H*')}"
    }.join("\n")
  },
  '/digest' => lambda {
    require 'digest'
    "sha256 #{Digest::SHA256.hexdigest('rubyshell')}"
  },
  '/time' => lambda {
    ENV['TZ'] = 'America/Lima'
    Time.at(1719835200).localtime.strftime('%Y-%m-%d %H:%M %z %Z')
  },
}

server = TCPServer.new('0.0.0.0', 4567)
$stdout.sync = true
loop do
  client = server.accept
  begin
    path = client.gets.to_s.split(' ')[1]
    while (line = client.gets) && line != "\r\n"; end
    status, body =
      case path
      when '/' then [200, HOME]
      when '/ping' then [200, "pong\n"]
      else
        route = ROUTES[path]
        if route
          begin
            [200, route.call]
          rescue Exception => e
            [500, "#{e.class}: #{e.message}\n"]
          end
        else
          [404, "not found\n"]
        end
      end
    body = body.b
    client.write "HTTP/1.1 #{status} X\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}"
  ensure
    client.close
  end
end
