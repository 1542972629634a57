require 'sinatra'
require 'json'
set :bind, '0.0.0.0'
set :port, 4567
set :server, 'webrick'
set :show_exceptions, false
set :raise_errors, false
error do
  e = env['sinatra.error']; status 500
  "ERR #{e.class}: #{e.message}\n#{e.backtrace.first(8).join("\n")}"
end

get('/') { '<html><body><h1>rbweb</h1><a href="/about">about</a></body></html>' }
get('/about') { '<html><body>about</body></html>' }
get('/page') { erb :page, locals: { items: %w[a b] } }
get('/digest') { require 'digest'; Digest.const_get(params['alg'] || 'MD5').hexdigest('x') }
get('/enc') { "日本語".encode(params['to'] || 'Shift_JIS').bytes.map { |b| '%02x' % b }.join }
get('/nfd') { "é".unicode_normalize(:nfd).codepoints.inspect }
get('/yaml') { require 'yaml'; require 'date'; YAML.safe_load("d: 2024-03-05\ns: :sym\n", permitted_classes: [Date, Symbol]).inspect }
get('/jsonadd') { require 'json/add/core'; JSON.parse(JSON.generate(1..3), create_additions: true).inspect }
get('/as') do
  require 'active_support'
  require 'active_support/core_ext'
  [1234567.to_s(:human_size), 1234567.to_s(:delimited), 'person'.pluralize, 'hello_world'.camelize,
   ActiveSupport::NumberHelper.number_to_currency(12.5, unit: '€'),
   Time.utc(2024, 6, 1).in_time_zone(params['tz'] || 'Tokyo').to_s].join(' | ')
end
get('/http') { require 'net/http'; Net::HTTP.get(URI('http://127.0.0.1:4567/about')) }
get('/csv') { require 'csv'; CSV.parse("a,1\nb,2", converters: :numeric).inspect }
get('/gem') { Gem::Specification.find_by_name(params['g'] || 'sinatra').version.to_s }
get('/pp') { require 'pp'; { a: [1, 2] }.pretty_inspect }
get('/set') { [1, 2].to_set.inspect }
get('/bigdec') { require 'bigdecimal/util'; '1.1'.to_d.+(BigDecimal('2.2')).to_s }
get('/erbstr') { require 'erb'; ERB.new('<%= 1+1 %>').result }
