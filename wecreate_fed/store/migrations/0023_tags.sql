-- Link previews and languages (issue 11, "tags"): the language an idea or event is written in
-- (a BCP 47 tag; `contentMap` carries it out and reads it in), and an idea image's alt text and
-- media type, so that screen readers and other servers get more than the title.

ALTER TABLE ideas ADD COLUMN language TEXT;
ALTER TABLE ideas ADD COLUMN image_alt TEXT;
ALTER TABLE ideas ADD COLUMN image_media_type TEXT;
ALTER TABLE events ADD COLUMN language TEXT;

