-- Who made each run (`source:name` of the caller's identity): with
-- authentication, a caller reads only its own runs unless its role sees all.
-- Runs kept before this migration have no owner ('').
ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
