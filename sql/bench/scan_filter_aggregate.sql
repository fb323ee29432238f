SELECT count(*), sum(x), avg(x) FROM t WHERE x % 7 = 3;
