SELECT count(*), sum(tag) FROM t JOIN u ON t.x = u.y;
