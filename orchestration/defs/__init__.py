"""Everything Dagster, and the runner that launches it into the instance the UI reads.

Assets, resources, partitions, automation, schedules, sensors, checks, jobs and executors.
"""
