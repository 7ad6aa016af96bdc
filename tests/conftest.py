"""Fixtures the battery's files share."""
import io, zipfile
import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope='session')
def shapes_zip(tmp_path_factory):
    "`make(per_class, name)`: an ImageFolder zip of 32 x 32 PNGs, 10 classes each of its own brightness (seed 0)."
    def make(per_class: int, name: str = 'shapes.zip') -> str:
        path = tmp_path_factory.mktemp('data')/name
        rng = np.random.default_rng(0)
        with zipfile.ZipFile(path, 'w') as z:
            for c in range(10):
                for i in range(per_class):
                    buf = io.BytesIO()
                    Image.fromarray((rng.integers(0, 40, (32, 32, 3)) + 20 * c).astype(np.uint8)).save(buf, 'PNG')
                    z.writestr(f'train/c{c}/{i}.png', buf.getvalue())
        return str(path)
    return make
