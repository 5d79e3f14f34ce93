"""Write the shipped demo discs into assets/discs/ (deterministic; safe to re-run).

    python tools/make_default_content.py [--out assets/discs]

Each disc: a procedurally drawn radiograph (tools/radiographs.py), a period piece scored in
tools/scores.py and rendered by FluidSynth with the FluidR3 GM soundfont (content generation
only: apt-get install fluidsynth fluid-soundfont-gm; pip install mido), and a bilingual
disc.yaml. No copyrighted material.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import numpy as np  # noqa: E402
import pygame  # noqa: E402
import soundfile  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from radiographs import BODY_PARTS  # noqa: E402
from scores import RATE, render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO_NOTE_RU = "Демонстрационная пьеса, написана и сыграна для выставки."
DEMO_NOTE_EN = "A demonstration piece, written and played for the exhibition."
STORIES = {  # the story panel: who cut it, where, which bones are on the film, what the music was
    'bugi-na-rebrakh': ('Вырезал студент-электрик в коммунальной квартире на Лиговском, на станке из патефона «Молот». На плёнке — рёбра, ключицы и тень сердца пожилого пациента. Музыка — буги-вуги: левая рука пианиста ходит по кругу восемь долей, правая играет блюзовые фразы.',
        "Cut by an electrical-engineering student in a shared flat on Ligovsky Prospekt, on a lathe rebuilt from a 'Molot' gramophone. The film shows the ribs, collarbones and heart shadow of an elderly patient. The music is boogie-woogie: the pianist's left hand rolls eight beats round and round under blues phrases."),
    'свинг-под-черепом': ('Пластинку продавал фарцовщик у Центрального телеграфа. На снимке — череп в профиль: глазницы, челюсть и зубы видны сквозь дорожки. Музыка — свинг биг-бэнда, который ловили по «Голосу Америки» в передаче Уиллиса Коновера.',
        "Sold by a black-marketeer by the Central Telegraph. The film is a skull in profile: the orbits, the jaw and the teeth show through the grooves. The music is big-band swing, caught off Willis Conover's Voice of America broadcasts."),
    'vals-kisti': ('Записано в Риге, где станки для «звуковых писем» стояли в ателье звукозаписи. На снимке — кисть руки: запястье, пясть и фаланги, на безымянном пальце — кольцо. Музыка — медленный вальс на три четверти, аккордеон и скрипка.',
        "Cut in Riga, where 'sound letter' lathes stood in recording booths. The film shows a hand: the wrist bones, the metacarpals and the finger bones, with a ring on the fourth finger. The music is a slow waltz in three-four time, accordion and violin."),
    'танго-позвонков': ('Одесские моряки привозили пластинки Петра Лещенко из Румынии; с них переписывали танго на снимки позвоночника из портовой больницы. Видны позвонки и тени рёбер. Музыка — танго: чёткий шаг баса и бандонеон.',
        "Odesa sailors brought home Pyotr Leshchenko's records from Romania; his tangos were copied onto spine x-rays from the port hospital. The vertebrae and the shadows of the ribs show. The music is a tango: a firm walking bass and bandoneon."),
    'rok-na-kostyakh': ('Записывали стиляги с улицы Бродвей — так они звали Невский проспект. На плёнке — таз и тазобедренные суставы. Музыка — рок-н-ролл: шаффл на двенадцать тактов, контрабас, гитара и саксофон.',
        "Cut by stilyagi from 'Broadway', as they called Nevsky Prospekt. The film shows a pelvis and the hip joints. The music is rock'n'roll: a twelve-bar shuffle with double bass, guitar and saxophone."),
    'fokstrot-koleno': ('Станок стоял в мастерской по ремонту радиоприёмников на Крещатике. На снимке — коленный сустав: бедренная кость, надколенник, большеберцовая и малоберцовая. Музыка — медленный фокстрот, под который танцевали в парках.',
        'The lathe stood in a radio-repair workshop on Khreshchatyk. The film shows a knee: the thigh bone, the kneecap, the shin bone and the fibula. The music is a slow foxtrot, the kind danced to in city parks.'),
}

DISCS = [
    dict(id="bugi-na-rebrakh", part="ribcage", style="boogie", scan="png", audio="ogg", year=1956,
         title=("Буги на рёбрах", "Boogie on the Ribs"), artist=("Оркестр «Белая ночь»", "White Night Orchestra"),
         city=("Ленинград", "Leningrad"), body=("грудная клетка", "chest"),
         caption=("Рентгеновский снимок грудной клетки из больничного архива стал пластинкой: буги-вуги "
                  "переписали с трофейной записи на самодельном станке.",
                  "A chest x-ray from a hospital archive became a record: boogie-woogie copied from a "
                  "war-trophy disc on a home-made lathe."),
         condition=dict(eccentricity_mm=1.8, hiss_db=-42.0, crackle_per_second=8.0, scratches=2, wear=0.35)),
    dict(id="свинг-под-черепом", part="skull", style="swing", scan="jpg", audio="ogg", year=1954,
         title=("Свинг под черепом", "Swing Under the Skull"), artist=("Квартет «Подвал»", "The Cellar Quartet"),
         city=("Москва", "Moscow"), body=("череп", "skull"),
         caption=("Джаз был под запретом, но снимки черепов продавали из-под полы у Московского почтамта "
                  "по рублю за штуку.",
                  "Jazz was banned, yet skull films sold under the counter near the Moscow post office "
                  "for a rouble apiece."),
         condition=dict(eccentricity_mm=2.6, hiss_db=-38.0, crackle_per_second=12.0, scratches=3, wear=0.5)),
    dict(id="vals-kisti", part="hand", style="waltz", scan="png", audio="flac", year=1952,
         title=("Вальс кисти", "Waltz of the Hand"), artist=("Трио «Даугава»", "Daugava Trio"),
         city=("Рига", "Riga"), body=("кисть руки", "hand"),
         caption=("Вальс на снимке кисти с обручальным кольцом. Отверстие прожгли папиросой, края "
                  "обрезали ножницами.",
                  "A waltz on an x-ray of a hand with a wedding ring. The hole was burned with a "
                  "cigarette, the edge cut with scissors."),
         condition=dict(eccentricity_mm=1.2, hiss_db=-46.0, crackle_per_second=5.0, scratches=1, wear=0.25)),
    dict(id="танго-позвонков", part="spine", style="tango", scan="jpg", audio="ogg", year=1957,
         title=("Танго позвонков", "Vertebrae Tango"), artist=("Ансамбль «Привоз»", "Privoz Ensemble"),
         city=("Одесса", "Odesa"), body=("позвоночник", "spine"),
         caption=("Эмигрантские танго тоже шли «на костях»: их записывали в портовых городах, куда "
                  "моряки привозили пластинки.",
                  "Emigré tangos went 'on bones' too, recorded in port cities where sailors brought "
                  "records home."),
         condition=dict(eccentricity_mm=3.2, hiss_db=-40.0, crackle_per_second=10.0, scratches=2, wear=0.45)),
    dict(id="rok-na-kostyakh", part="pelvis", style="rock_n_roll", scan="png", audio="ogg", year=1959,
         title=("Рок на костях", "Rock on the Bones"), artist=("«Стиляги»", "The Stilyagi"),
         city=("Ленинград", "Leningrad"), body=("таз", "pelvis"),
         caption=("К концу пятидесятых на рентгеновской плёнке звучал рок-н-ролл. Пластинка "
                  "выдерживала всего несколько проигрываний.",
                  "By the late fifties rock'n'roll rang out on x-ray film. A disc survived only a "
                  "few plays."),
         condition=dict(eccentricity_mm=2.0, hiss_db=-36.0, crackle_per_second=16.0, scratches=4, wear=0.7)),
    dict(id="fokstrot-koleno", part="knee", style="foxtrot", scan="jpg", audio="wav", year=1955,
         title=("Фокстрот для колена", "Foxtrot for a Knee"), artist=("Оркестр «Крещатик»", "Khreshchatyk Orchestra"),
         city=("Киев", "Kyiv"), body=("коленный сустав", "knee"),
         caption=("Снимок коленного сустава с медленным фокстротом. Звук тихий и шумный: станок резал "
                  "неглубокую канавку.",
                  "A knee joint with a slow foxtrot. The sound is quiet and noisy: the lathe cut a "
                  "shallow groove."),
         condition=dict(eccentricity_mm=1.5, hiss_db=-44.0, crackle_per_second=6.0, scratches=1, wear=0.3)),
]


def yaml_text(d: dict) -> str:
    def pair(key: str, value: tuple[str, str]) -> str:
        return f"{key}:\n  ru: \"{value[0]}\"\n  en: \"{value[1]}\"\n"

    cond = "".join(f"  {k}: {v}\n" for k, v in d["condition"].items())
    return ("# Disc shown in the kiosk. Edit freely; `python -m installation check` validates it.\n"
            + pair("title", d["title"]) + pair("artist", d["artist"]) + f"year: {d['year']}\n"
            + pair("city", d["city"]) + pair("body_part", d["body"])
            + pair("caption", (f"{d['caption'][0]} {DEMO_NOTE_RU}", f"{d['caption'][1]} {DEMO_NOTE_EN}"))
            + "rpm: 78\ndiameter_cm: 24\n" + f"order: {DISCS.index(d) + 1}\n" + "condition:\n" + cond
            + pair("story", STORIES[d["id"]]))


BLANK_PART, BLANK_SEED = "hand", 12  # the film the live view turns and the live cuts are cut onto


def write_scan(path: Path, part: str, seed: int, font: pygame.font.Font) -> None:
    rgb = BODY_PARTS[part](seed).develop()
    surface = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))
    marker = font.render(f"№ {4000 + seed * 137}   {'R' if seed % 2 else 'L'}", True, (200, 215, 230))
    surface.blit(marker, (surface.get_width() - marker.get_width() - 120, surface.get_height() - 190))
    pygame.image.save(surface, str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "discs")
    args = parser.parse_args()
    pygame.font.init()
    font = pygame.font.Font(str(ROOT / "assets" / "fonts" / "DejaVuSans-Bold.ttf"), 34)
    for seed, d in enumerate(DISCS, start=1):
        folder = args.out / d["id"]
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        (folder / "disc.yaml").write_text(yaml_text(d), encoding="utf-8")
        write_scan(folder / f"scan.{d['scan']}", d["part"], seed, font)
        music = render(d["style"], seed)
        fmt = {"ogg": ("OGG", "VORBIS"), "flac": ("FLAC", "PCM_16"), "wav": ("WAV", "PCM_16")}[d["audio"]]
        with soundfile.SoundFile(str(folder / f"audio.{d['audio']}"), "w", RATE, 1, format=fmt[0],
                                 subtype=fmt[1]) as out:
            for i in range(0, len(music), 8192):  # in pieces: libsndfile's Vorbis encoder crashes on long writes
                out.write(music[i:i + 8192])
        print(f"{folder}: {d['part']}, {d['style']}, {len(music) / RATE:.0f} s")
    blank = args.out.parent / "blank.jpg"  # the used x-ray on the lathe, for the live cuts
    write_scan(blank, BLANK_PART, BLANK_SEED, font)
    print(f"{blank}: {BLANK_PART}")


if __name__ == "__main__":
    main()
