"""`wecreate-fed invite create|list` as a real program, and the code it prints at work on the website."""

from tests.cli.test_cli import run_cli, write_config
from tests.conftest import Instance
from tests.web.conftest import Visitor
from wecreate_fed import config as config_module


async def test_an_invitation_from_the_command_line_opens_registration_once(tmp_path):
    path = write_config(tmp_path, registration="invite")
    code, out, err = await run_cli("invite", "create", "--note", "Bürgerverein Lindenau", "--config", str(path))
    assert code == 0, err
    invitation = out.strip()
    assert len(invitation) >= 16 and "/register?invitation=" + invitation in err
    instance = await Instance(config_module.load(path)).start()
    anna, bert = Visitor(instance.base_url), Visitor(instance.base_url)
    try:
        assert await anna.register("anna", invitation=invitation) == 303
        assert await bert.register("bert", invitation=invitation) == 400  # used up
    finally:
        await anna.close()
        await bert.close()
        await instance.stop()
    code, out, err = await run_cli("invite", "list", "--config", str(path))
    assert code == 0 and "0 left" in out and "Bürgerverein Lindenau" in out and invitation not in out
    code, out, err = await run_cli("invite", "create", "--uses", "0", "--config", str(path))
    assert code == 1 and "at least one use" in err
