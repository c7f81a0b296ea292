-- What was quarantined, by reason, the most common first.
select reason, count(*) from quarantine group by reason order by 2 desc, 1
