-- wrk script: the same POST that revtrace sends, for the closed-loop reference figure.
wrk.method = "POST"
wrk.body   = '{"rev_id": 2000000001}'
wrk.headers["Content-Type"] = "application/json"
