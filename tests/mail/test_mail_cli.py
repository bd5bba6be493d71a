"""`wecreate-fed mail test ADDRESS`: a test mail sent at once through [email], or the server's answer."""

from __future__ import annotations

from tests.cli.test_cli import run_cli, write_config


def _config(tmp_path, mailserver, **email) -> str:
    path = write_config(tmp_path)
    settings = {**mailserver.tables()["email"], **email}
    lines = ["[email]"] + [f"{key} = {value!r}".replace("'", '"') for key, value in settings.items()]
    path.write_text(path.read_text() + "\n".join(lines) + "\n")
    return str(path)


async def test_a_test_mail_arrives(tmp_path, mailserver):
    code, out, err = await run_cli("mail", "test", "ada@example.org", "--lang", "en",
                                   "--config", _config(tmp_path, mailserver))
    assert code == 0, err
    assert "accepted by 127.0.0.1" in out
    [received] = await mailserver.wait_for(1)
    assert received.subject == "Test mail from WeCreate Leipzig" and "if you can read this" in received.text


async def test_a_server_that_is_away_or_refuses_is_reported(tmp_path, mailserver):
    mailserver.refuse.add("nobody@example.org")
    config = _config(tmp_path, mailserver)
    code, out, _ = await run_cli("mail", "test", "nobody@example.org", "--config", config)
    assert code == 1 and "not accepted" in out and "550" in out
    await mailserver.stop()
    code, out, _ = await run_cli("mail", "test", "ada@example.org", "--config", config)
    assert code == 1 and "not accepted" in out


async def test_without_email_it_says_email_is_off(tmp_path):
    code, out, _ = await run_cli("mail", "test", "ada@example.org", "--config", str(write_config(tmp_path)))
    assert code == 1 and "email is off" in out
