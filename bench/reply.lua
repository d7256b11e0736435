-- wrk script: POST the reply form of one thread, a different body on every request.
--
--   REPLY_PATH=/t/42 REPLY_COOKIE='session=...' REPLY_CSRF='...' \
--     wrk -t2 -c16 -d15s --latency -s bench/reply.lua http://127.0.0.1:8201
--
-- bench/run.py sets the three variables: the thread's address, the logged-in member's cookies
-- and the CSRF token of that session (Flask-WTF tokens are per session and reusable). A reply
-- that is published answers 302 (to the new post); a refused form answers 400, which wrk
-- counts as a non-2xx/3xx response.

local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local path = os.getenv("REPLY_PATH")
local csrf = urlencode(os.getenv("REPLY_CSRF") or "")
local headers = {
  ["Cookie"] = os.getenv("REPLY_COOKIE"),
  ["Content-Type"] = "application/x-www-form-urlencoded",
}

local text = "Merci pour ce retour. Pour le **chanfrein**, je reprends la cote au réglet puis "
  .. "je contrôle à l'équerre avant de passer à la finition : c'est là que je perdais le "
  .. "plus de temps à l'épreuve blanche. Quelqu'un a-t-il essayé avec une lime douce ?"

function request()
  counter = counter + 1
  -- the counter makes each body unique, should any check refuse a repeated message
  local body = string.format("%s\n\n(essai %d-%d)", text, id or 0, counter)
  return wrk.format("POST", path, headers, "csrf_token=" .. csrf .. "&body=" .. urlencode(body))
end
