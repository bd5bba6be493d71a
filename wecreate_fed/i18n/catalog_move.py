"""Texts of moving an account: /settings/move (aliases, the move), the moved profile, the form problems."""

TEXTS: dict[str, tuple[str, str]] = {
    "move.settings_link": ("Umziehen: mit einem Konto in einer anderen Stadt verbinden oder dorthin umziehen",
                           "Moving: link an account in another city, or move there"),
    "move.title": ("Umziehen", "Moving"),
    "move.back_to_settings": ("← Zurück zu den Einstellungen", "← Back to the settings"),
    "move.intro": ("Ziehst du in eine andere Stadt, kannst du dein Konto mitnehmen: Wer dir folgt, folgt "
                   "danach deinem neuen Konto. Deine Unterstützungen, Ideen und Kommentare bleiben, wo du sie "
                   "gegeben hast.",
                   "If you move to another city, you can take your account with you: whoever follows you "
                   "then follows your new account. Your supports, ideas and comments stay where you gave them."),
    "move.you_moved": ("Dieses Konto ist umgezogen nach", "This account has moved to"),
    "move.came_from": ("Hierher umgezogen von:", "Moved here from:"),
    "move.aliases": ("Andere Konten von dir", "Your other accounts"),
    "move.aliases_explained": ("Willst du mit einem anderen Konto hierher umziehen, trage es hier ein. Dann "
                               "nennt {handle} es als eigenes Konto (alsoKnownAs), und das andere Konto kann "
                               "hierher umziehen.",
                               "If you want to move another account here, enter it here. {handle} then names "
                               "it as its own (alsoKnownAs), and the other account can move here."),
    "move.no_aliases": ("Noch keine anderen Konten eingetragen.", "No other accounts entered yet."),
    "move.remove_alias": ("Entfernen", "Remove"),
    "move.handle_hint": ("Name und Adresse wie name@leipzig.example, oder die Adresse des Kontos (https://…).",
                         "Name and server like name@leipzig.example, or the account's address (https://…)."),
    "move.add_alias": ("Konto eintragen", "Add account"),
    "move.move_heading": ("Dieses Konto umziehen", "Move this account"),
    "move.move_explained": ("Nach dem Umzug zeigt dieses Profil auf dein neues Konto, und du kannst hier "
                            "nichts Neues mehr veröffentlichen. Wer dir folgt, wird zu deinem neuen Konto "
                            "mitgenommen. Einen weiteren Umzug gibt es frühestens nach 30 Tagen.",
                            "After the move this profile points to your new account, and you can no longer "
                            "publish anything new here. Whoever follows you is taken along to your new account. "
                            "Another move is possible after 30 days at the earliest."),
    "move.step_alias": ("Trage zuerst beim neuen Konto {handle} als anderes Konto von dir ein.",
                        "First enter {handle} as another account of yours at the new account."),
    "move.step_move": ("Gib dann hier das neue Konto und dein Passwort ein.",
                       "Then enter the new account and your password here."),
    "move.confirm": ("Dieses Konto wirklich umziehen? Danach kannst du hier nichts Neues mehr veröffentlichen.",
                     "Really move this account? Afterwards you can no longer publish anything new here."),
    "move.move_button": ("Konto umziehen", "Move account"),
    "move.profile_moved": ("{name} ist umgezogen nach", "{name} has moved to"),
    "move.alias_added": ("{account} ist jetzt als anderes Konto von dir eingetragen.",
                         "{account} is now entered as another account of yours."),
    "move.alias_removed": ("Das Konto ist nicht mehr eingetragen.", "The account is no longer entered."),
    "move.moved": ("Umgezogen nach {account}. Wer dir gefolgt ist, wird mitgenommen.",
                   "Moved to {account}. Whoever followed you is taken along."),
    "field.alias": ("Anderes Konto", "Other account"),
    "field.move_target": ("Neues Konto", "New account"),
    "field.move_password": ("Dein Passwort", "Your password"),
    "form.account_unknown": ("Das Konto {account} wurde nicht gefunden.", "The account {account} was not found."),
    "form.alias_self": ("Das ist dieses Konto selbst.", "That is this account itself."),
    "form.too_many_aliases": ("Höchstens {limit} andere Konten.", "At most {limit} other accounts."),
    "form.move_self": ("Ein Konto kann nicht zu sich selbst umziehen.", "An account cannot move to itself."),
    "form.move_already": ("Dieses Konto ist schon dorthin umgezogen.", "This account has already moved there."),
    "form.move_alias_missing": ("{account} nennt dieses Konto noch nicht als anderes Konto (alsoKnownAs). "
                                "Trage es dort zuerst ein.",
                                "{account} does not name this account as another of its own (alsoKnownAs) yet. "
                                "Enter it there first."),
    "form.move_target_moved": ("{account} ist selbst schon umgezogen.", "{account} has moved on itself."),
    "form.move_cooldown.one": ("Dieses Konto ist gerade erst umgezogen. Ein weiterer Umzug geht in einem Tag.",
                               "This account moved only recently. It can move again in one day."),
    "form.move_cooldown": ("Dieses Konto ist gerade erst umgezogen. Ein weiterer Umzug geht in {n} Tagen.",
                           "This account moved only recently. It can move again in {n} days."),
    "form.account_moved": ("Dieses Konto ist umgezogen nach {target} und veröffentlicht nichts mehr.",
                           "This account has moved to {target} and publishes nothing more."),
    "error.account_moved": ("Dieses Konto ist umgezogen nach {target} und kann nichts Neues mehr "
                            "veröffentlichen.",
                            "This account has moved to {target} and cannot publish anything new."),
}
