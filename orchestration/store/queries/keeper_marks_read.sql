-- How many keeper marks the warehouse's marks view reads (0 while it is built empty).
select count(*) from stg_corrections__keeper_marks
