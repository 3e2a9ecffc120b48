"""The floor of the digest benchmark: the plain SQL aggregates a digest needs, on the bare driver.

Written independently of ``tracker.digests`` (plain SQL text, ``sqlite3`` or ``psycopg``
directly, no ORM): the people first reached are aggregated once into a temporary table, and the
series, ranking and breakdowns are small GROUP BYs over it; the held trainings likewise. It
returns the same figures, so the benchmark can also check that both agree.
"""
import re
from datetime import timedelta

from tracker.core.time import day_bounds, get_zone

FIRST_REACHES = """
CREATE TEMP TABLE bench_first AS
SELECT p.id, p.gender, p.ethnicity, p.birth_year, h.id AS village_id, h.parent_id AS commune_id,
       min(c.scanned_at) AS first_at
FROM units h JOIN participants p ON p.village_id = h.id
JOIN checkins c ON c.participant_id = p.id JOIN trainings t ON t.id = c.training_id
WHERE {home} AND t.campaign_id = :campaign AND t.status <> 'cancelled' AND c.voided_at IS NULL
  AND c.scanned_at < :as_of
GROUP BY p.id, p.gender, p.ethnicity, p.birth_year, h.id, h.parent_id
"""
SERIES = """
SELECT day, n, sum(n) OVER (ORDER BY day) FROM (
  SELECT {local_day} AS day, count(*) AS n FROM bench_first GROUP BY {local_day}) d ORDER BY day
"""
RANKING = """
SELECT code, name, target, reached, before,
       RANK() OVER (PARTITION BY target IS NULL ORDER BY reached * 1.0 / target DESC) AS rank,
       RANK() OVER (PARTITION BY target IS NULL ORDER BY before * 1.0 / target DESC) AS rank_yesterday
FROM (SELECT u.code, u.name, NULLIF(tg.target, 0) AS target, count(f.id) AS reached,
             coalesce(sum(CASE WHEN f.first_at < :yesterday THEN 1 ELSE 0 END), 0) AS before
      FROM units u
      LEFT JOIN bench_first f ON f.{child} = u.id
      LEFT JOIN targets tg ON tg.unit_id = u.id AND tg.campaign_id = :campaign
      WHERE u.parent_id = :unit
      GROUP BY u.id, u.code, u.name, tg.target) r
ORDER BY target IS NULL, rank, reached DESC, name, code
"""
BREAKDOWN = """
SELECT gender, CASE WHEN ethnicity = 'Kinh' THEN 'majority' ELSE 'minority' END AS minority,
       CASE WHEN birth_year <= :year - 60 THEN '60+' WHEN birth_year <= :year - 40 THEN '40-59'
            WHEN birth_year <= :year - 25 THEN '25-39' WHEN birth_year <= :year - 15 THEN '15-24'
            ELSE 'under_15' END AS band,
       count(*)
FROM bench_first GROUP BY 1, 2, 3
"""
TOPICS = """
SELECT t.topic, count(DISTINCT c.participant_id)
FROM checkins c JOIN trainings t ON t.id = c.training_id JOIN bench_first f ON f.id = c.participant_id
WHERE t.campaign_id = :campaign AND t.status <> 'cancelled' AND c.voided_at IS NULL AND c.scanned_at < :as_of
GROUP BY t.topic
"""
HELD = """
CREATE TEMP TABLE bench_held AS
SELECT t.id, t.village_id, t.starts_at, sum(CASE WHEN c.scanned_at >= :yesterday THEN 1 ELSE 0 END) AS yesterday
FROM checkins c JOIN trainings t ON t.id = c.training_id JOIN units v ON v.id = t.village_id
WHERE t.campaign_id = :campaign AND t.status <> 'cancelled' AND c.voided_at IS NULL AND c.scanned_at < :as_of
  AND {village}
GROUP BY t.id, t.village_id, t.starts_at
"""
HELD_COUNTS = """
SELECT coalesce(sum(yesterday), 0), count(*),
       coalesce(sum(CASE WHEN starts_at >= :yesterday AND starts_at < :as_of THEN 1 ELSE 0 END), 0)
FROM bench_held
"""
VILLAGES = """
SELECT v.code, v.name, c.name, EXISTS (SELECT 1 FROM bench_held h WHERE h.village_id = v.id)
FROM units v JOIN units c ON c.id = v.parent_id
WHERE v.level = 'village' AND {village}
ORDER BY c.name, v.name, v.code
"""
INDICATORS = """
SELECT i.key, i.name, coalesce(own.target, kids.target), coalesce(r.reached, 0)
FROM indicators i
LEFT JOIN indicator_targets own ON own.indicator_id = i.id AND own.unit_id = :unit
LEFT JOIN (SELECT it.indicator_id, sum(it.target) AS target FROM indicator_targets it
           JOIN units u ON u.id = it.unit_id WHERE u.parent_id = :unit GROUP BY it.indicator_id) kids
       ON kids.indicator_id = i.id
LEFT JOIN (SELECT o.indicator_id, count(DISTINCT o.participant_id) AS reached
           FROM outcomes o JOIN participants p ON p.id = o.participant_id JOIN units h ON h.id = p.village_id
           LEFT JOIN checkins c ON c.id = o.checkin_id
           WHERE {home} AND coalesce(c.scanned_at, o.recorded_at) < :as_of
           GROUP BY o.indicator_id) r ON r.indicator_id = i.id
WHERE i.campaign_id = :campaign ORDER BY i.position, i.id
"""
TRAININGS = """
SELECT t.id, t.title, t.topic, v.code, v.name, t.starts_at, t.ends_at, t.place
FROM trainings t JOIN units v ON v.id = t.village_id
WHERE t.campaign_id = :campaign AND {village} AND {condition}
ORDER BY t.starts_at, t.id
"""
UPCOMING = "t.status <> 'cancelled' AND t.starts_at >= :as_of AND t.starts_at < :after_next"
STALE = ("t.status = 'planned' AND t.ends_at < :as_of AND NOT EXISTS (SELECT 1 FROM checkins c "
         "WHERE c.training_id = t.id AND c.voided_at IS NULL AND c.scanned_at < :as_of)")
TARGET = """
SELECT CASE WHEN cp.unit_id = :unit
            THEN coalesce(cp.target, (SELECT sum(tg.target) FROM targets tg JOIN units u ON u.id = tg.unit_id
                                      WHERE tg.campaign_id = cp.id AND u.parent_id = :unit))
            ELSE (SELECT tg.target FROM targets tg WHERE tg.campaign_id = cp.id AND tg.unit_id = :unit) END
FROM campaigns cp WHERE cp.id = :campaign
"""


class Floor:
    """Runs the floor queries on a bare DB-API connection (``sqlite3`` or ``psycopg``)."""

    def __init__(self, connection, postgresql, tz_name):
        self.connection, self.postgresql, self.tz_name = connection, postgresql, tz_name

    def sql(self, text, level, **parts):
        """Return ``text`` for the unit's level, with the driver's placeholders (``:name`` or ``%(name)s``)."""
        text = text.format(home=self.in_unit("h", level), village=self.in_unit("v", level),
                           child="commune_id" if level == "province" else "village_id",
                           local_day=self.local_day("first_at"), **parts)
        return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", text) if self.postgresql else text

    @staticmethod
    def in_unit(alias, level):
        """Return the condition that village ``alias`` lies in the unit: an equality for a commune."""
        return f"{alias}.path LIKE :prefix" if level == "province" else f"{alias}.parent_id = :unit"

    def instant(self, value):
        """Return an instant as the driver compares it (SQLite stores naive UTC text)."""
        return value if self.postgresql else value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def local_day(self, column):
        """Return SQL for the local calendar day of ``column``."""
        if self.postgresql:
            return f"CAST({column} AT TIME ZONE :tz AS date)"
        return f"date({column}, :offset)"

    def digest(self, campaign, unit, level, path, day):
        """Return the digest figures of the unit (``campaign`` and ``unit`` are ids) for ``day``."""
        as_of, yesterday = day_bounds(day, self.tz_name)[0], day_bounds(day - timedelta(days=1), self.tz_name)[0]
        offset = get_zone(self.tz_name).utcoffset(as_of.replace(tzinfo=None))
        params = {"campaign": campaign, "unit": unit, "prefix": path + "%", "as_of": self.instant(as_of),
                  "yesterday": self.instant(yesterday), "year": day.year, "tz": self.tz_name,
                  "offset": f"+{int(offset.total_seconds())} seconds",
                  "after_next": self.instant(day_bounds(day + timedelta(days=2), self.tz_name)[0])}
        cursor = self.connection.cursor()

        def rows(text, **parts):
            cursor.execute(self.sql(text, level, **parts), params)
            return cursor.fetchall() if cursor.description else []

        try:
            return _figures(rows)
        finally:
            for table in ("bench_first", "bench_held"):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            if self.postgresql:
                self.connection.rollback()


def _figures(rows):
    rows(FIRST_REACHES)
    series = rows(SERIES)
    rows(HELD)
    checkins_yesterday, held_total, held_yesterday = rows(HELD_COUNTS)[0]
    villages = rows(VILLAGES)
    return {
        "target": rows(TARGET)[0][0],
        "reached": int(series[-1][2]) if series else 0,
        "new_reached_yesterday": series[-1][1] if series else 0,
        "checkins_yesterday": int(checkins_yesterday), "trainings_held_total": held_total,
        "trainings_held_yesterday": int(held_yesterday),
        "villages_total": len(villages), "villages_reached": sum(1 for row in villages if row[3]),
        "ranking": [(code, int(reached), rank) for code, _n, _t, reached, _b, rank, _ry in rows(RANKING)],
        "breakdown": sorted(rows(BREAKDOWN)),
        "topic": dict(rows(TOPICS)),
        "series": [(str(day), n) for day, n, _total in series],
        "indicators": [(key, reached) for key, _name, _target, reached in rows(INDICATORS)],
        "upcoming_total": len(rows(TRAININGS, condition=UPCOMING)),
        "stale_total": len(rows(TRAININGS, condition=STALE)),
    }
