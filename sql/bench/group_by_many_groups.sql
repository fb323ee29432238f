SELECT count(*) FROM (SELECT x % 100000 AS g, count(*) AS n, sum(x) AS s FROM t GROUP BY g) q;
