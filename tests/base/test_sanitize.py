"""Remote HTML through the sanitiser: scripts and handlers out, Mastodon's markup kept."""

from __future__ import annotations

import pytest

from wecreate_fed.sanitize import clean_html, plain_text

# The content of a Mastodon 4.x status that mentions someone and uses a hashtag.
MASTODON_CONTENT = (
    '<p><span class="h-card" translate="no"><a href="https://leipzig.example/@anna" class="u-url mention">'
    '@<span>anna</span></a></span> Trinkbrunnen am Lindenauer Markt? '
    '<a href="https://meissen.example/tags/leipzig" class="mention hashtag" rel="tag">#<span>leipzig</span></a> '
    '<a href="https://www.leipzig.de/buergerservice" target="_blank" rel="nofollow noopener noreferrer">'
    '<span class="invisible">https://www.</span><span class="ellipsis">leipzig.de/buergerservic</span>'
    '<span class="invisible">e</span></a></p>'
)


def test_mastodon_mentions_hashtags_and_link_shortening_survive():
    cleaned = clean_html(MASTODON_CONTENT)
    assert '<span class="h-card">' in cleaned
    assert 'class="u-url mention"' in cleaned
    assert 'class="mention hashtag"' in cleaned
    assert '<span class="invisible">https://www.</span>' in cleaned
    assert '<span class="ellipsis">' in cleaned
    assert 'href="https://leipzig.example/@anna"' in cleaned
    # target and translate are not on the allowlist
    assert "target=" not in cleaned and "translate=" not in cleaned


@pytest.mark.parametrize("dirty, gone", [
    ("<p>Hallo<script>alert(document.cookie)</script></p>", ["<script", "alert"]),
    ("<style>body{display:none}</style><p>Hallo</p>", ["<style", "display"]),
    ('<p onclick="steal()" onmouseover="steal()">Hallo</p>', ["onclick", "onmouseover", "steal"]),
    ('<p style="position:fixed;top:0">Hallo</p>', ["style", "position"]),
    ('<img src="https://evil.example/x.png" onerror="steal()">Hallo', ["<img", "onerror"]),
    ('<iframe src="https://evil.example/"></iframe>Hallo', ["<iframe", "evil"]),
    ('<a href="javascript:steal()">Hallo</a>', ["javascript", "steal"]),
    ('<a href="JaVaScRiPt:steal()">Hallo</a>', ["JaVaScRiPt", "steal"]),
    ('<a href="jav&#x09;ascript:steal()">Hallo</a>', ["ascript", "steal"]),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">Hallo</a>', ["data:", "base64"]),
    ('<form action="https://evil.example"><input name="pw"></form>Hallo', ["<form", "<input"]),
])
def test_scripts_styles_handlers_and_dangerous_urls_are_removed(dirty, gone):
    cleaned = clean_html(dirty)
    assert "Hallo" in cleaned
    for fragment in gone:
        assert fragment not in cleaned, cleaned


def test_unknown_classes_are_dropped_but_known_ones_kept():
    cleaned = clean_html('<a href="https://a.example/@b" class="mention evil-overlay">@b</a>'
                         '<p class="invisible">x</p>')
    assert 'class="mention"' in cleaned
    assert "evil-overlay" not in cleaned
    assert "<p>x</p>" in cleaned  # classes only on a and span


def test_links_get_rel_nofollow_and_safe_schemes_stay():
    cleaned = clean_html('<a href="https://a.example/">web</a> <a href="mailto:rathaus@leipzig.example">mail</a>')
    assert cleaned.count('rel="nofollow noopener noreferrer"') == 2
    assert 'href="mailto:rathaus@leipzig.example"' in cleaned


def test_structure_is_kept():
    source = '<h2>Plan</h2><ol start="3"><li value="5">Bänke</li></ol><blockquote><p><em>ja</em></p></blockquote>'
    assert clean_html(source) == source


def test_empty_input_gives_empty_html():
    assert clean_html(None) == "" and clean_html("") == ""


def test_plain_text_strips_tags_and_unescapes_entities():
    assert plain_text("<p>Fish &amp; Chips &lt;3</p><script>alert(1)</script>") == "Fish & Chips <3"
    assert plain_text('  <b>Anna</b> &quot;die Radlerin&quot;  ') == 'Anna "die Radlerin"'
    assert plain_text("Stadtteilbüro Lindenau", limit=13) == "Stadtteilbüro"
    assert plain_text(None) == ""


def test_plain_text_is_text_not_html():
    # Escaped markup comes back as the characters it stands for; templates escape it on output
    assert plain_text("&lt;script&gt;x&lt;/script&gt;") == "<script>x</script>"
